//! The allocator of everything this crate builds: the system allocator, with every block
//! overwritten with zeros when it is freed (or moved by a reallocation); on Linux, blocks
//! of a megabyte and more are pages mapped for them, moved rather than copied when they
//! grow and unmapped when freed.
//!
//! Secrets and credentials pass through buffers this library does not own: the text of
//! a configuration file inside the TOML parser, a reply inside the HTTP and TLS stacks,
//! the strings a JSON decoder builds. Wiping each of them by hand cannot be complete, so
//! nothing freed keeps its bytes: a core dump, a heap read by a bug elsewhere in the host,
//! or memory handed to the next `malloc` finds zeros. Only this library's own (Rust)
//! allocations go through it; the host's `malloc` is untouched. What is still alive is
//! wiped by its owner when it must be (the cache's sweeper, `secret_free`, `Drop` impls).
//!
//! It is the global allocator of the shared and static libraries and of every Rust
//! program linking the crate (the command line, the tests), so it cannot be skipped.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, wiping on free.
pub struct Wiping;

#[global_allocator]
static GLOBAL: Wiping = Wiping;

/// Overwrites `len` bytes at `ptr` with zeros. A plain `memset` right before `free` is a
/// dead store the compiler may remove; an empty `asm!` block that is given the pointer
/// and may read memory keeps it (the technique of `memsec` and BoringSSL's
/// `OPENSSL_cleanse`). Without `asm!` (Miri, other architectures), volatile stores.
///
/// # Safety
/// `ptr` points to `len` writable bytes.
unsafe fn wipe(ptr: *mut u8, len: usize) {
    #[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
    // SAFETY: `len` writable bytes at `ptr` (the caller's contract); the asm block does
    // nothing, it only makes the stores observable.
    unsafe {
        std::ptr::write_bytes(ptr, 0, len);
        std::arch::asm!("/* {0} */", in(reg) ptr, options(nostack, preserves_flags));
    }
    #[cfg(not(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri))))]
    for i in 0..len {
        // SAFETY: `i < len`, inside the block.
        unsafe { std::ptr::write_volatile(ptr.add(i), 0) };
    }
}

// SAFETY: every call is forwarded to `System` (or, for big blocks on Linux, to the
// kernel's `mmap` family) with the same layout; the only addition is writing zeros into a
// block the caller is giving up, before it is freed.
unsafe impl GlobalAlloc for Wiping {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if pages::serve(layout) {
            return pages::map(layout.size());
        }
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if pages::serve(layout) {
            // Fresh pages are zero.
            return pages::map(layout.size());
        }
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if pages::serve(layout) {
            // SAFETY: `alloc` mapped this block (same layout, so same `serve` answer).
            return unsafe { pages::unmap(ptr, layout.size()) };
        }
        // SAFETY: `ptr` is a live block of `layout.size()` bytes (the caller's contract).
        unsafe {
            wipe(ptr, layout.size());
            System.dealloc(ptr, layout);
        }
    }

    // Not the system's `realloc`: it may move the block and free the old one, or shrink
    // it in place, without wiping. A new block, a copy, and the old one wiped and freed;
    // or, between big blocks, the pages themselves moved (no copy left anywhere, and no
    // moment with both blocks in memory: a growing vector of a big file costs its size).
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` is valid for `layout.align()`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if pages::serve(layout) && pages::serve(new_layout) {
            // SAFETY: `alloc` mapped this block of `layout.size()` bytes.
            return unsafe { pages::remap(ptr, layout.size(), new_size) };
        }
        // SAFETY: a non-zero size (the caller's contract).
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are live and distinct; the copy fits both.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// Big blocks straight from the kernel, on Linux: `mremap` moves their pages when they
/// grow, where a copy would need the old and the new block at once, and `munmap` hands
/// them back, after which nothing in the process can read them (the kernel zeroes a page
/// before it maps it again anywhere).
#[cfg(all(target_os = "linux", not(miri)))]
mod pages {
    use std::alloc::Layout;

    /// Blocks this size and up are mapped: a few per load of a big file, so the system
    /// calls cost nothing next to filling the pages.
    const FROM: usize = 1 << 20;
    /// Every page size Linux uses is a multiple of this, so a mapping satisfies it.
    const ALIGN: usize = 4096;

    pub fn serve(layout: Layout) -> bool {
        layout.size() >= FROM && layout.align() <= ALIGN
    }

    pub fn map(size: usize) -> *mut u8 {
        // SAFETY: a new private anonymous mapping; no existing memory is touched.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            p.cast()
        }
    }

    /// # Safety
    /// `ptr` is a block of `size` bytes `map` returned.
    pub unsafe fn unmap(ptr: *mut u8, size: usize) {
        // SAFETY: the caller's contract. It cannot fail for a whole mapping of ours.
        unsafe { libc::munmap(ptr.cast(), size) };
    }

    /// # Safety
    /// `ptr` is a block of `size` bytes `map` (or `remap`) returned.
    pub unsafe fn remap(ptr: *mut u8, size: usize, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract; on failure the old mapping stays as it was, as
        // `realloc` requires.
        let p = unsafe { libc::mremap(ptr.cast(), size, new_size, libc::MREMAP_MAYMOVE) };
        if p == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            p.cast()
        }
    }
}

/// Elsewhere every block comes from the system allocator.
#[cfg(not(all(target_os = "linux", not(miri))))]
mod pages {
    use std::alloc::Layout;

    pub fn serve(_: Layout) -> bool {
        false
    }

    pub fn map(_: usize) -> *mut u8 {
        unreachable!("no block is served by pages here")
    }

    pub unsafe fn unmap(_: *mut u8, _: usize) {
        unreachable!("no block is served by pages here")
    }

    pub unsafe fn remap(_: *mut u8, _: usize, _: usize) -> *mut u8 {
        unreachable!("no block is served by pages here")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipes_every_length_and_alignment() {
        let mut buf = [0xAAu8; 64];
        for start in 0..9 {
            for len in 0..40 {
                buf.fill(0xAA);
                // SAFETY: `start + len <= 64`.
                unsafe { wipe(buf.as_mut_ptr().add(start), len) };
                assert!(buf[..start].iter().all(|&b| b == 0xAA));
                assert!(buf[start..start + len].iter().all(|&b| b == 0));
                assert!(buf[start + len..].iter().all(|&b| b == 0xAA));
            }
        }
    }

    #[test]
    fn reallocation_keeps_the_contents() {
        let mut v: Vec<u8> = Vec::with_capacity(3);
        v.extend_from_slice(b"abc");
        v.extend_from_slice(&[7u8; 1000]);
        assert_eq!(&v[..3], b"abc");
        assert_eq!(v.len(), 1003);
        v.truncate(2);
        v.shrink_to_fit();
        assert_eq!(v, b"ab");
    }
}
