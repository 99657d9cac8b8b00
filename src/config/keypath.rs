//! `KeyPath`: a path of configuration keys (Prefect's `CompoundKey`, `context.secrets.X`)
//! in one buffer: each key's length (LEB128), then its text (generalized UTF-8, as in a
//! `PyStr`).
//!
//! The flattened configuration and the sources keep one path per value: as a
//! `Vec<PyStr>` that was a vector and a buffer per key (some 180 bytes for
//! `context.secrets.X`), as one buffer some 40 (issue 19). A path is its encoding, so two
//! paths are equal when their bytes are, and one starts with another when its bytes do.

use std::borrow::Borrow;
use std::fmt;

use zeroize::Zeroize;

use crate::pystr::PyStr;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyPath(Box<[u8]>);

impl Drop for KeyPath {
    /// Wiped like the keys of the tables (`PyStr`).
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Borrow<[u8]> for KeyPath {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl KeyPath {
    /// The path of `keys`, each the bytes of a `PyStr` (generalized UTF-8).
    pub fn new<K: AsRef<[u8]>>(keys: impl IntoIterator<Item = K>) -> KeyPath {
        let mut out = Vec::new();
        for k in keys {
            push_key(&mut out, k.as_ref());
        }
        KeyPath(out.into_boxed_slice())
    }

    pub fn of(keys: &[PyStr]) -> KeyPath {
        KeyPath::new(keys.iter().map(PyStr::as_bytes))
    }

    pub fn of_strs(keys: &[&str]) -> KeyPath {
        KeyPath::new(keys.iter().map(|k| k.as_bytes()))
    }

    /// This path with `key` after it.
    pub fn child(&self, key: &[u8]) -> KeyPath {
        let mut out = Vec::with_capacity(self.0.len() + key.len() + 2);
        out.extend_from_slice(&self.0);
        push_key(&mut out, key);
        KeyPath(out.into_boxed_slice())
    }

    /// The keys, as the bytes of `PyStr`s.
    pub fn keys(&self) -> Keys<'_> {
        Keys(&self.0)
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.keys().count()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `prefix`'s keys are this path's first ones.
    pub fn starts_with(&self, prefix: &KeyPath) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The path of the first `n` keys.
    pub fn prefix(&self, n: usize) -> KeyPath {
        KeyPath::new(self.keys().take(n))
    }

    pub fn to_pystrs(&self) -> Vec<PyStr> {
        self.keys().map(|k| PyStr::from_gutf8(k.to_vec())).collect()
    }
}

fn push_key(out: &mut Vec<u8>, key: &[u8]) {
    let mut n = key.len();
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out.extend_from_slice(key);
}

/// [`KeyPath::keys`].
pub struct Keys<'a>(&'a [u8]);

impl<'a> Iterator for Keys<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (mut n, mut shift, mut i) = (0usize, 0, 0);
        loop {
            let b = *self.0.get(i)?;
            n |= usize::from(b & 0x7F) << shift;
            i += 1;
            if b < 0x80 {
                break;
            }
            shift += 7;
        }
        let key = self.0.get(i..i + n)?;
        self.0 = &self.0[i + n..];
        Some(key)
    }
}

impl fmt::Display for KeyPath {
    /// `context.secrets.X`, as Prefect joins a compound key (a lone surrogate shows as
    /// U+FFFD).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.keys().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(&PyStr::from_gutf8(k.to_vec()).to_string_lossy())?;
        }
        Ok(())
    }
}

impl fmt::Debug for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyPath({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_one_buffer() {
        let long = "k".repeat(300);
        let keys = ["context", "", "secrets", long.as_str(), "é"];
        let path = KeyPath::of_strs(&keys);
        assert_eq!(path.len(), 5);
        assert!(path.keys().eq(keys.iter().map(|k| k.as_bytes())));
        assert_eq!(path.to_string(), keys.join("."));
        assert!(path.starts_with(&KeyPath::of_strs(&["context", ""])));
        assert!(!path.starts_with(&KeyPath::of_strs(&["context", "s"])));
        assert!(!KeyPath::of_strs(&["ab"]).starts_with(&KeyPath::of_strs(&["a"])));
        assert_eq!(path.prefix(2), KeyPath::of_strs(&["context", ""]));
        assert_eq!(
            KeyPath::of_strs(&["a"]).child(b"b"),
            KeyPath::of_strs(&["a", "b"])
        );
        assert_eq!(KeyPath::of(&path.to_pystrs()), path);
        assert!(KeyPath::new(Vec::<&[u8]>::new()).is_empty());
        // "a.b" is one key, not two.
        assert_ne!(KeyPath::of_strs(&["a.b"]), KeyPath::of_strs(&["a", "b"]));
    }
}
