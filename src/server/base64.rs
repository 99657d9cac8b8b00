//! Base64 (RFC 4648): HTTP Basic credentials, and the forms of a credential that
//! [`super::redact`] looks for in server texts.

use zeroize::Zeroizing;

/// The standard alphabet.
pub const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, in a buffer wiped when dropped (it may encode a
/// credential).
pub fn standard(bytes: &[u8]) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(bytes.len().div_ceil(3) * 4));
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(STANDARD[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_python() {
        // Python: base64.b64encode(b"...").decode()
        for (raw, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("admin:pass", "YWRtaW46cGFzcw=="),
            ("user:p\u{e9}ss", "dXNlcjpww6lzcw=="),
        ] {
            assert_eq!(standard(raw.as_bytes()).as_str(), want, "{raw}");
        }
    }
}
