//! Operating-system calls the safe core cannot make without `unsafe`: the user database
//! behind `~` and `~user` (Python's `pwd`), a one-call check that a kept-alive socket
//! is still open, fork handlers, and whether the command line's standard output was
//! closed when it started.

use std::sync::atomic::{AtomicU8, Ordering};

use crate::config::host::Accounts;

/// What [`note_stdout_at_start`] found: not run, open, closed.
static STDOUT_AT_START: AtomicU8 = AtomicU8::new(0);
#[cfg(unix)]
const STDOUT_OPEN: u8 = 1;
const STDOUT_CLOSED: u8 = 2;

/// Whether file descriptor 1 was closed when the process started, as
/// [`note_stdout_at_start`] recorded it (false when it did not run: Windows, or a program
/// other than the command line).
///
/// A program started with its standard output closed (`prefect-secrets get x >&-`)
/// cannot tell later: before `main`, Rust's runtime opens `/dev/null` in place of a closed
/// descriptor 0, 1 or 2, so every write to standard output "succeeds" and the output is
/// lost. The state is recorded before that, by a constructor
/// ([`note_stdout_at_start!`](crate::note_stdout_at_start)).
pub fn stdout_closed_at_start() -> bool {
    STDOUT_AT_START.load(Ordering::Relaxed) == STDOUT_CLOSED
}

/// Records whether file descriptor 1 is open. Runs as a constructor, before Rust's
/// runtime starts: one `fcntl` and an atomic store, nothing that needs the runtime.
pub extern "C" fn note_stdout_at_start() {
    #[cfg(unix)]
    {
        // SAFETY: F_GETFD on a descriptor number only reads its flags; a closed one
        // gives -1 (EBADF).
        let open = unsafe { libc::fcntl(1, libc::F_GETFD) } != -1;
        let state = if open { STDOUT_OPEN } else { STDOUT_CLOSED };
        STDOUT_AT_START.store(state, Ordering::Relaxed);
    }
}

/// The user database of this system.
pub fn accounts() -> Box<dyn Accounts> {
    #[cfg(unix)]
    {
        Box::new(unix::SystemAccounts)
    }
    #[cfg(not(unix))]
    {
        Box::new(crate::config::host::NoAccounts)
    }
}

/// Whether a kept-alive connection can take another request: not closed by the peer and
/// without unexpected bytes waiting. One non-blocking peek on Unix.
pub fn socket_is_open(stream: &std::net::TcpStream) -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let mut byte = 0u8;
        // SAFETY: one writable byte; the descriptor belongs to `stream`, alive here.
        let n = unsafe {
            libc::recv(
                stream.as_raw_fd(),
                (&mut byte as *mut u8).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        n < 0 && {
            let e = std::io::Error::last_os_error();
            e.kind() == std::io::ErrorKind::WouldBlock
        }
    }
    #[cfg(not(unix))]
    {
        let mut byte = [0u8];
        if stream.set_nonblocking(true).is_err() {
            return false;
        }
        let open =
            matches!(stream.peek(&mut byte), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock);
        stream.set_nonblocking(false).is_ok() && open
    }
}

/// Registers fork handlers (`pthread_atfork`): `prepare` runs in the forking thread
/// before `fork()`, `parent` and `child` after it in each process. Without `fork()` (Windows)
/// there is nothing to register.
pub fn at_fork(prepare: extern "C" fn(), parent: extern "C" fn(), child: extern "C" fn()) {
    #[cfg(unix)]
    {
        // SAFETY: the handlers are plain functions of this library, which is never
        // unloaded (`-z nodelete`, see build.rs), so they stay valid for the process's life.
        // A failure (ENOMEM) leaves fork detection off; nothing else depends on it.
        let _ = unsafe { libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) };
    }
    #[cfg(not(unix))]
    let _ = (prepare, parent, child);
}

/// Keeps this library loaded until the process ends, whatever the host does to unload
/// it. On ELF systems the linker flag `-z nodelete` does it (build.rs); on Windows the
/// DLL pins itself here, on first use.
pub fn pin_library() {
    #[cfg(windows)]
    {
        const GET_MODULE_HANDLE_EX_FLAG_PIN: u32 = 0x1;
        const GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS: u32 = 0x4;
        #[link(name = "kernel32")]
        unsafe extern "system" {
            fn GetModuleHandleExW(
                flags: u32,
                module_name: *const u16,
                module: *mut *mut std::ffi::c_void,
            ) -> i32;
        }
        let mut module = std::ptr::null_mut();
        let inside = pin_library as fn() as *const u16;
        // SAFETY: with FROM_ADDRESS the "name" is an address inside this module (this
        // function); `module` is a valid place for the handle. A failure leaves the DLL
        // unpinned, which is how it was.
        let _ = unsafe {
            GetModuleHandleExW(
                GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                inside,
                &mut module,
            )
        };
    }
}

#[cfg(unix)]
mod unix {
    use std::ffi::{CStr, CString, c_char, c_int};
    use std::mem::MaybeUninit;
    use std::ptr;

    use crate::config::host::Accounts;

    pub struct SystemAccounts;

    impl Accounts for SystemAccounts {
        fn current_home(&self) -> Option<Vec<u8>> {
            // SAFETY: getuid cannot fail.
            let uid = unsafe { libc::getuid() };
            home_dir(|pwd, buf, len, result| {
                // SAFETY: getpwuid_r writes only into the buffers we pass.
                unsafe { libc::getpwuid_r(uid, pwd, buf, len, result) }
            })
        }

        fn home_of(&self, name: &[u8]) -> Option<Vec<u8>> {
            let name = CString::new(name).ok()?;
            home_dir(|pwd, buf, len, result| {
                // SAFETY: `name` is a valid C string for the duration of the call;
                // getpwnam_r writes only into the buffers we pass.
                unsafe { libc::getpwnam_r(name.as_ptr(), pwd, buf, len, result) }
            })
        }
    }

    /// Runs a `getpw*_r` call with a growing buffer and copies `pw_dir` out.
    fn home_dir(
        call: impl Fn(*mut libc::passwd, *mut c_char, usize, *mut *mut libc::passwd) -> c_int,
    ) -> Option<Vec<u8>> {
        let mut buf = vec![0 as c_char; 1024];
        loop {
            let mut pwd = MaybeUninit::<libc::passwd>::zeroed();
            let mut result: *mut libc::passwd = ptr::null_mut();
            let rc = call(pwd.as_mut_ptr(), buf.as_mut_ptr(), buf.len(), &mut result);
            if rc == libc::ERANGE && buf.len() < (1 << 20) {
                buf.resize(buf.len() * 2, 0);
                continue;
            }
            if rc != 0 || result.is_null() {
                return None;
            }
            // SAFETY: on success `result` points at `pwd`, whose strings live in `buf`.
            let dir = unsafe { (*result).pw_dir };
            if dir.is_null() {
                return None;
            }
            // SAFETY: pw_dir is a NUL-terminated string inside `buf`, alive here.
            return Some(unsafe { CStr::from_ptr(dir) }.to_bytes().to_vec());
        }
    }
}
