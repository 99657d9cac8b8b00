//! Reading the files a configuration names (configuration files, the credentials file, a
//! CA bundle) without trusting them to be what they seem.
//!
//! A path may name a FIFO (an open or read that never returns), a device (`/dev/zero`
//! reads forever), a directory, or a huge sparse file. Only regular files are read: the
//! file is opened non-blocking (so opening a FIFO returns at once), checked with `fstat`
//! on the open descriptor (so a swap after a check cannot fool it), and read up to a cap.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

/// The largest credentials file read (`~/.prefect/.credentials/auth_token`).
pub const CREDENTIALS_CAP: u64 = 1 << 20;
/// The largest CA bundle read (`cloud.ca_bundle`); the Mozilla bundle is about 220 KiB.
pub const CA_BUNDLE_CAP: u64 = 4 << 20;
/// The largest configuration file read (`user_config_path`, `secret_config_load_file`).
pub const CONFIG_FILE_CAP: u64 = 16 << 20;

/// Why a file was not read. Its `Display` is a plain reason without the path, for the
/// caller to put after the file's name.
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading failed (missing, no permission, ...).
    Io(std::io::Error),
    /// Not a regular file: a directory, a FIFO, a device or a socket.
    NotRegular(&'static str),
    /// Larger than the cap.
    TooLarge { cap: u64 },
}

impl ReadError {
    /// Whether the file does not exist (callers where a missing file means "none").
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            ReadError::TooLarge { cap } => write!(f, "it is larger than {cap} bytes"),
        }
    }
}

/// Reads a regular file of at most `cap` bytes, whole. The bytes are wiped when dropped
/// (the file may hold a token), and so is every buffer they passed through.
///
/// The path is checked with `stat` before it is opened, so a device is never opened
/// (opening some has side effects: a watchdog starts, a modem line rises), and the open
/// descriptor is checked again with `fstat`, so a file swapped in between is caught too.
pub fn read_regular(path: &Path, cap: u64) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let before = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !before.is_file() {
        return Err(ReadError::NotRegular(kind_of(&before)));
    }
    let mut file = open_nonblocking(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(&meta)));
    }
    if meta.len() > cap {
        return Err(ReadError::TooLarge { cap });
    }
    read_capped(&mut file, meta.len(), cap)
}

/// Reads to the end, `size_hint` bytes expected (the file may grow or shrink meanwhile,
/// and `/proc` files say 0), never more than `cap + 1`. Buffers grow by copying into a
/// new one, so the old one is wiped rather than left behind by a `realloc`.
fn read_capped(
    file: &mut impl Read,
    size_hint: u64,
    cap: u64,
) -> Result<Zeroizing<Vec<u8>>, ReadError> {
    let limit = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
    // One byte past the expected size, so that the end shows without growing.
    let first = usize::try_from(size_hint.saturating_add(1))
        .unwrap_or(usize::MAX)
        .clamp(1, limit);
    let mut buf = Zeroizing::new(vec![0u8; first]);
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            if buf.len() >= limit {
                return Err(ReadError::TooLarge { cap });
            }
            let mut bigger = Zeroizing::new(vec![0u8; buf.len().saturating_mul(2).min(limit)]);
            bigger[..filled].copy_from_slice(&buf[..filled]);
            buf = bigger;
        }
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
    // Shortening keeps the allocation, which `Zeroizing` wipes whole when dropped.
    buf.truncate(filled);
    Ok(buf)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    // Windows has no FIFOs in the file system; refuse what is not a file before opening
    // (a named pipe or a device path), then check the open handle again.
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", kind_of(&meta)),
        ));
    }
    File::open(path)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "a device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("prefect-secrets-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn reads_a_regular_file_within_the_cap() {
        let p = scratch("small");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(&read_regular(&p, 3).unwrap()[..], b"abc");
        assert!(matches!(
            read_regular(&p, 2),
            Err(ReadError::TooLarge { cap: 2 })
        ));
        assert!(
            read_regular(&scratch("missing"), 9)
                .unwrap_err()
                .is_not_found()
        );
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = scratch("dir");
        std::fs::create_dir_all(&dir).unwrap();
        let e = read_regular(&dir, 9).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        #[cfg(unix)]
        {
            let e = read_regular(Path::new("/dev/zero"), 9).unwrap_err();
            assert!(e.to_string().contains("a device"), "{e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once_even_with_no_writer() {
        let p = scratch("fifo");
        let _ = std::fs::remove_file(&p);
        // mkfifo(1): the library's own code makes no system calls through `unsafe`
        // outside `sys`, its tests neither.
        let made = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .unwrap();
        assert!(made.success());
        let (tx, rx) = std::sync::mpsc::channel();
        let q = p.clone();
        std::thread::spawn(move || tx.send(read_regular(&q, 9).map(|_| ())));
        let e = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("reading a FIFO blocked")
            .unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");
    }

    #[test]
    fn a_huge_sparse_file_is_refused_without_reading_it() {
        let p = scratch("sparse");
        std::fs::File::create(&p).unwrap().set_len(1 << 30).unwrap();
        let t = std::time::Instant::now();
        assert!(matches!(
            read_regular(&p, CREDENTIALS_CAP),
            Err(ReadError::TooLarge { .. })
        ));
        assert!(t.elapsed() < std::time::Duration::from_secs(1));
        std::fs::remove_file(&p).unwrap();
    }

    /// A reader that holds more than its size said (a file that grew, a `/proc` file).
    #[test]
    fn the_cap_holds_when_the_size_was_wrong() {
        let data = [7u8; 100];
        let got = read_capped(&mut &data[..], 0, 100).unwrap();
        assert_eq!(&got[..], &data[..]);
        let got = read_capped(&mut &data[..], 10, 1000).unwrap();
        assert_eq!(got.len(), 100);
        assert!(matches!(
            read_capped(&mut &data[..], 3, 99),
            Err(ReadError::TooLarge { cap: 99 })
        ));
        assert!(read_capped(&mut &b""[..], 0, 0).unwrap().is_empty());
        #[cfg(target_os = "linux")]
        {
            // Says it has 0 bytes, has more.
            let status = read_regular(Path::new("/proc/self/status"), 1 << 20).unwrap();
            assert!(status.starts_with(b"Name:"));
        }
    }
}
