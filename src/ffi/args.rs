//! Reading C arguments: NULL checks, UTF-8 checks, and the output buffer protocol.
//! Each helper names the argument in its error message.

use std::ffi::{CStr, c_char};

use super::status::SecretStatus;
use crate::error::{Error, ErrorKind};

/// A required NUL-terminated UTF-8 string.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid while the result is used.
pub unsafe fn str_arg<'a>(p: *const c_char, what: &str) -> Result<&'a str, Error> {
    // SAFETY: forwarded to the caller.
    unsafe { opt_str_arg(p, what) }?
        .ok_or_else(|| Error::invalid_argument(format!("{what} is NULL")))
}

/// An optional NUL-terminated UTF-8 string (NULL gives `None`).
///
/// # Safety
/// As for [`str_arg`].
pub unsafe fn opt_str_arg<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes)
        .map(Some)
        .map_err(|_| Error::invalid_argument(format!("{what} is not valid UTF-8")))
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
/// failure leaves the outputs defined.
pub struct OutBuf {
    buf: *mut c_char,
    cap: usize,
    len: *mut usize,
}

impl OutBuf {
    /// # Safety
    /// `buf` is NULL or points to `cap` writable bytes; `len` is NULL or points to a
    /// writable `size_t`; both stay valid for the life of the `OutBuf`.
    pub unsafe fn new(buf: *mut c_char, cap: usize, len: *mut usize) -> Result<OutBuf, Error> {
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
/// `*out_len`. Creating it sets them to NULL and 0, so every failure leaves them defined;
/// [`AllocOut::set`] hands over a NUL-terminated copy, freed with `secret_free`.
pub struct AllocOut {
    out: *mut *mut c_char,
    len: *mut usize,
}

impl AllocOut {
    /// # Safety
    /// `out` is NULL or points to a writable `char *`; `len` is NULL or points to a
    /// writable `size_t`; both stay valid for the life of the `AllocOut`.
    pub unsafe fn new(out: *mut *mut c_char, len: *mut usize) -> Result<AllocOut, Error> {
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
