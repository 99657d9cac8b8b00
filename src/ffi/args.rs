//! Reading C arguments: NULL checks, UTF-8 checks, and the output buffer protocol.
//! Each helper names the argument in its error message.
//!
//! An export that reads a string and writes outputs takes the string as a [`CStrArg`]
//! and hands it to its output's constructor ([`OutBuf::new`], [`AllocOut::new`]), which
//! refuses outputs that overlap it before writing anything: `secret_get(buf, buf, ...)`
//! would otherwise clear the name it is about to read and return the secret named "".

use std::ffi::{CStr, c_char};
use std::mem::size_of;

use super::status::SecretStatus;
use crate::error::{Error, ErrorKind};

/// A required NUL-terminated UTF-8 string.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid while the result is used.
pub unsafe fn str_arg<'a>(p: *const c_char, what: &'static str) -> Result<&'a str, Error> {
    // SAFETY: forwarded to the caller.
    unsafe { CStrArg::new(p, what) }.get()
}

/// An optional NUL-terminated UTF-8 string (NULL gives `None`).
///
/// # Safety
/// As for [`str_arg`].
pub unsafe fn opt_str_arg<'a>(
    p: *const c_char,
    what: &'static str,
) -> Result<Option<&'a str>, Error> {
    // SAFETY: forwarded to the caller.
    unsafe { CStrArg::new(p, what) }.get_opt()
}

/// A NUL-terminated string argument, located (its bytes and its NUL) but not checked yet:
/// what an output's constructor checks its regions against before writing anything.
#[derive(Clone, Copy)]
pub struct CStrArg<'a> {
    /// The bytes with the NUL; empty for NULL (a C string has at least its NUL).
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> CStrArg<'a> {
    /// # Safety
    /// `p` is NULL or points to a NUL-terminated string that stays valid while the result
    /// is used.
    #[inline]
    pub unsafe fn new(p: *const c_char, what: &'static str) -> CStrArg<'a> {
        let bytes = if p.is_null() {
            &[]
        } else {
            // SAFETY: non-NULL and NUL-terminated by the caller's contract.
            unsafe { CStr::from_ptr(p) }.to_bytes_with_nul()
        };
        CStrArg { bytes, what }
    }

    /// The text; NULL or text that is not UTF-8 is an invalid argument.
    #[inline]
    pub fn get(&self) -> Result<&'a str, Error> {
        self.get_opt()?
            .ok_or_else(|| Error::invalid_argument(format!("{} is NULL", self.what)))
    }

    /// The text, or `None` for NULL; text that is not UTF-8 is an invalid argument.
    #[inline]
    pub fn get_opt(&self) -> Result<Option<&'a str>, Error> {
        let Some((_nul, text)) = self.bytes.split_last() else {
            return Ok(None);
        };
        std::str::from_utf8(text)
            .map(Some)
            .map_err(|_| Error::invalid_argument(format!("{} is not valid UTF-8", self.what)))
    }

    /// Whether the addresses `start..end` (`start` not 0) share a byte with this string,
    /// its NUL included (never for NULL, whose region is empty).
    #[inline(always)]
    fn overlaps(&self, start: usize, end: usize) -> bool {
        let at = self.bytes.as_ptr().addr();
        start < at + self.bytes.len() && at < end
    }
}

/// Fails (before anything is written) when the output `name`, `len` bytes at `p`, shares
/// a byte with one of the inputs: writing it would change an input while it is read. A
/// NULL or empty output overlaps nothing. (A few comparisons on the get path; the message
/// is made out of line.)
#[inline(always)]
fn check_output<T>(name: &str, p: *const T, len: usize, inputs: &[CStrArg]) -> Result<(), Error> {
    let (start, end) = (p.addr(), p.addr().saturating_add(len));
    if !p.is_null() && len != 0 && inputs.iter().any(|i| i.overlaps(start, end)) {
        return Err(overlap(name, start, end, inputs));
    }
    Ok(())
}

/// The message of [`check_output`]: the output and the first input it overlaps.
#[cold]
#[inline(never)]
fn overlap(output: &str, start: usize, end: usize, inputs: &[CStrArg]) -> Error {
    let input = inputs.iter().find(|i| i.overlaps(start, end));
    Error::invalid_argument(format!(
        "{output} overlaps {}",
        input.map_or("an input", |i| i.what)
    ))
}

/// `len` bytes of UTF-8 text that may contain NUL.
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes that stay valid while the result is used.
pub unsafe fn text_arg<'a>(p: *const c_char, len: usize, what: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        if len == 0 {
            return Ok("");
        }
        return Err(Error::invalid_argument(format!(
            "{what} is NULL but its length is {len}"
        )));
    }
    // SAFETY: the caller guarantees `len` readable bytes at `p`.
    let bytes = unsafe { std::slice::from_raw_parts(p.cast::<u8>(), len) };
    std::str::from_utf8(bytes)
        .map_err(|_| Error::invalid_argument(format!("{what} is not valid UTF-8")))
}

/// The caller's output buffer: `buf` of `cap` bytes (NULL only when `cap` is 0) and an
/// optional `len`. Creating it writes an empty string and a zero length, so every
/// failure leaves the outputs defined; except when the buffer or the length overlaps one
/// of the `inputs` (an invalid argument): then nothing is written.
pub struct OutBuf {
    buf: *mut c_char,
    cap: usize,
    len: *mut usize,
}

impl OutBuf {
    /// # Safety
    /// `buf` is NULL or points to `cap` writable bytes; `len` is NULL or points to a
    /// writable `size_t`; both stay valid for the life of the `OutBuf`.
    #[inline(always)]
    pub unsafe fn new(
        buf: *mut c_char,
        cap: usize,
        len: *mut usize,
        inputs: &[CStrArg],
    ) -> Result<OutBuf, Error> {
        check_output("out_buf", buf, cap, inputs)?;
        check_output("out_len", len, size_of::<usize>(), inputs)?;
        let out = OutBuf { buf, cap, len };
        out.set_len(0);
        if buf.is_null() {
            if cap > 0 {
                return Err(Error::invalid_argument(format!(
                    "out_buf is NULL but out_buf_len is {cap}"
                )));
            }
        } else if cap > 0 {
            // SAFETY: at least one writable byte.
            unsafe { *buf = 0 };
        }
        Ok(out)
    }

    fn set_len(&self, n: usize) {
        if !self.len.is_null() {
            // SAFETY: writable by the contract of `new`.
            unsafe { *self.len = n };
        }
    }

    /// Writes `bytes` and a NUL, or reports the size needed.
    pub fn write(&self, bytes: &[u8]) -> Result<SecretStatus, Error> {
        self.set_len(bytes.len());
        if self.cap <= bytes.len() {
            return Err(Error::new(
                ErrorKind::BufferTooSmall,
                format!(
                    "the value needs {} bytes plus a NUL, the buffer has {}",
                    bytes.len(),
                    self.cap
                ),
            ));
        }
        // SAFETY: `cap > len` bytes are writable at `buf` (non-NULL since cap > 0), and the
        // caller's buffer cannot overlap the library's own `bytes`.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.buf.cast::<u8>(), bytes.len());
            *self.buf.add(bytes.len()) = 0;
        }
        Ok(SecretStatus::SECRET_OK)
    }
}

/// The allocating protocol's outputs: `*out` (never NULL itself) and an optional
/// `*out_len`. Creating it sets them to NULL and 0, so every failure leaves them defined
/// (except when one overlaps one of the `inputs`: then nothing is written);
/// [`AllocOut::set`] hands over a NUL-terminated copy, freed with `secret_free`.
pub struct AllocOut {
    out: *mut *mut c_char,
    len: *mut usize,
}

impl AllocOut {
    /// # Safety
    /// `out` is NULL or points to a writable `char *`; `len` is NULL or points to a
    /// writable `size_t`; both stay valid for the life of the `AllocOut`.
    pub unsafe fn new(
        out: *mut *mut c_char,
        len: *mut usize,
        inputs: &[CStrArg],
    ) -> Result<AllocOut, Error> {
        check_output("out", out, size_of::<*mut c_char>(), inputs)?;
        check_output("out_len", len, size_of::<usize>(), inputs)?;
        if out.is_null() {
            return Err(Error::invalid_argument("out is NULL"));
        }
        // SAFETY: `out` is non-NULL and writable; `len` is NULL or writable.
        unsafe {
            *out = std::ptr::null_mut();
            if !len.is_null() {
                *len = 0;
            }
        }
        Ok(AllocOut { out, len })
    }

    /// Copies `bytes` into a new buffer and stores it in the outputs.
    pub fn set(&self, bytes: &[u8]) -> Result<SecretStatus, Error> {
        let p = super::alloc::copy_out(bytes)?;
        // SAFETY: writable by the contract of `new`.
        unsafe {
            *self.out = p;
            if !self.len.is_null() {
                *self.len = bytes.len();
            }
        }
        Ok(SecretStatus::SECRET_OK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output may end right before an input or start right after its NUL; sharing one
    /// byte with it, the NUL included, is an overlap. Empty and NULL regions never are.
    #[test]
    fn outputs_may_touch_an_input_but_not_overlap_it() {
        let mut mem = [0 as c_char; 16];
        mem[4] = b'k' as c_char; // "k" and its NUL at 4..6
        let base = mem.as_mut_ptr();
        // SAFETY: a C string inside `mem`.
        let name = unsafe { CStrArg::new(base.add(4), "name") };
        let check = |offset: usize, len: usize| {
            // SAFETY: in bounds.
            check_output("out_buf", unsafe { base.add(offset) }, len, &[name])
        };
        for (offset, len) in [(0, 4), (6, 10), (4, 0), (5, 0)] {
            assert!(check(offset, len).is_ok(), "{offset} {len}");
        }
        for (offset, len) in [(0, 5), (5, 1), (3, 10), (4, 2), (4, 1)] {
            let e = check(offset, len).unwrap_err();
            assert_eq!(e.message, "out_buf overlaps name", "{offset} {len}");
        }
        // A length that would run past the end of the address space.
        assert!(check(0, usize::MAX).is_err());
        assert!(check_output("out_buf", std::ptr::null::<c_char>(), 100, &[name]).is_ok());
        // SAFETY: NULL is allowed.
        let null_name = unsafe { CStrArg::new(std::ptr::null(), "name") };
        assert!(check_output("out_buf", base, 16, &[null_name]).is_ok());
    }
}
