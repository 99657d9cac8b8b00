//! Buffers the library allocates for the caller (`secret_get_alloc`): each carries its
//! size in a header in front of the bytes, so `secret_free` can wipe all of it before
//! giving it back.

use std::alloc::{Layout, alloc, dealloc};
use std::ffi::c_char;
use std::mem::{align_of, size_of};

use crate::error::{Error, ErrorKind};

const HEADER: usize = size_of::<usize>();

fn layout(total: usize) -> Option<Layout> {
    Layout::from_size_align(total, align_of::<usize>()).ok()
}

/// A NUL-terminated copy of `bytes` for C; free it with [`free`].
pub fn copy_out(bytes: &[u8]) -> Result<*mut c_char, Error> {
    let total = HEADER
        .checked_add(bytes.len())
        .and_then(|n| n.checked_add(1))
        .and_then(layout)
        .ok_or_else(|| Error::new(ErrorKind::Internal, "value too large to copy"))?;
    // SAFETY: the layout has a non-zero size.
    let base = unsafe { alloc(total) };
    if base.is_null() {
        return Err(Error::new(
            ErrorKind::Internal,
            "out of memory for the value",
        ));
    }
    // SAFETY: `base` has `total` bytes, aligned for usize; the header, the bytes and the
    // NUL fit exactly.
    unsafe {
        base.cast::<usize>().write(total.size());
        let data = base.add(HEADER);
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
        data.add(bytes.len()).write(0);
        Ok(data.cast())
    }
}

/// Wipes and frees a buffer from [`copy_out`]; NULL is ignored.
///
/// # Safety
/// `p` is NULL or a pointer returned by [`copy_out`] not freed yet.
pub unsafe fn free(p: *mut c_char) {
    if p.is_null() {
        return;
    }
    // SAFETY: `p` came from `copy_out`, so the header sits just before it and records the
    // size of the whole allocation.
    unsafe {
        let base = p.cast::<u8>().sub(HEADER);
        let total = base.cast::<usize>().read();
        for i in 0..total {
            std::ptr::write_volatile(base.add(i), 0);
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
        if let Some(l) = layout(total) {
            dealloc(base, l);
        }
    }
}
