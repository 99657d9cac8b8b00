//! Non-negative integers of any size, for the YAML 1.1 ints that do not fit 128 bits:
//! read from base 2, 8, 10 or 16 digits, or sexagesimal parts, and written in decimal
//! (the value model keeps a big int as its decimal text). At most [`MAX_BITS`] bits, so
//! each operation, linear in the number's size, is bounded.

/// Past this many bits a number has more than 4300 decimal digits, the most Python's
/// `str(int)` writes (`sys.get_int_max_str_digits()`): Prefect could not send it on.
pub(super) const MAX_BITS: usize = 14_300;

/// Little-endian 32-bit limbs, no high zero limb.
#[derive(Default)]
pub(super) struct Nat(Vec<u32>);

impl Nat {
    /// `digits` (all valid in `base`) as a number; `None` past [`MAX_BITS`].
    pub(super) fn from_digits(digits: &str, base: u32) -> Option<Nat> {
        let significant = digits.trim_start_matches('0');
        // An upper bound of the bits, checked before any work.
        let per_digit = 32 - (base - 1).leading_zeros() as usize;
        if significant.len().saturating_mul(per_digit) > MAX_BITS + per_digit {
            return None;
        }
        let mut n = Nat::default();
        for c in significant.chars() {
            n.mul_add(base, c.to_digit(base)?);
        }
        (n.bits() <= MAX_BITS).then_some(n)
    }

    /// `self * 60 + part`, `None` past [`MAX_BITS`].
    pub(super) fn sexagesimal(mut self, part: &Nat) -> Option<Nat> {
        self.mul_add(60, 0);
        let mut carry = 0u64;
        for i in 0..self.0.len().max(part.0.len()) {
            if i == self.0.len() {
                self.0.push(0);
            }
            let sum = u64::from(self.0[i]) + u64::from(part.0.get(i).copied().unwrap_or(0)) + carry;
            self.0[i] = sum as u32;
            carry = sum >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
        (self.bits() <= MAX_BITS).then_some(self)
    }

    fn mul_add(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for limb in &mut self.0 {
            let x = u64::from(*limb) * u64::from(m) + carry;
            *limb = x as u32;
            carry = x >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn bits(&self) -> usize {
        self.0
            .last()
            .map_or(0, |top| 32 * self.0.len() - top.leading_zeros() as usize)
    }

    /// The decimal digits, without leading zeros ("0" for zero).
    pub(super) fn to_decimal(&self) -> String {
        const CHUNK: u64 = 1_000_000_000;
        let mut limbs = self.0.clone();
        let mut chunks = Vec::new();
        while !limbs.is_empty() {
            let mut rem = 0u64;
            for limb in limbs.iter_mut().rev() {
                let x = (rem << 32) | u64::from(*limb);
                *limb = (x / CHUNK) as u32;
                rem = x % CHUNK;
            }
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
            chunks.push(rem);
        }
        let mut out = chunks
            .pop()
            .map_or_else(|| "0".to_string(), |c| c.to_string());
        for c in chunks.iter().rev() {
            out.push_str(&format!("{c:09}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let n = |d: &str, b| Nat::from_digits(d, b).unwrap().to_decimal();
        assert_eq!(n("0", 10), "0");
        assert_eq!(n("000ff", 16), "255");
        assert_eq!(
            n(&"f".repeat(40), 16),
            "1461501637330902918203684832716283019655932542975"
        );
        assert_eq!(
            n("123456789012345678901234567890", 10),
            "123456789012345678901234567890"
        );
        let sixty = Nat::from_digits("1", 10)
            .unwrap()
            .sexagesimal(&Nat::from_digits("30", 10).unwrap())
            .unwrap();
        assert_eq!(sixty.to_decimal(), "90");
        assert!(Nat::from_digits(&"1".repeat(MAX_BITS + 1), 2).is_none());
        assert!(Nat::from_digits(&"1".repeat(MAX_BITS), 2).is_some());
    }
}
