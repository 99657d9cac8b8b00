//! Credentials out of server texts. A server may echo what it was sent ("bad token
//! <token>"); any text that came from a server goes through [`Redactor::clean`] before it
//! can reach an error message.

use zeroize::Zeroizing;

/// What replaces a credential in a message.
pub const MASK: &str = "[redacted]";

/// The credentials of one get: the token(s), API key, auth string and its base64.
#[derive(Default)]
pub struct Redactor {
    secrets: Vec<Zeroizing<String>>,
}

impl Redactor {
    /// Adds a credential (and its forms inside a Python `repr`, which escapes `\` and `'`).
    pub fn add(&mut self, secret: &[u8]) {
        let text = Zeroizing::new(String::from_utf8_lossy(secret).into_owned());
        if text.is_empty() {
            return;
        }
        let escaped = Zeroizing::new(text.replace('\\', "\\\\").replace('\'', "\\'"));
        if *escaped != *text {
            self.secrets.push(escaped);
        }
        self.secrets.push(text);
        // Longest first, so a credential inside another is masked as part of the longer.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` with every credential masked.
    pub fn clean(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_each_credential_and_its_repr_form() {
        let mut r = Redactor::default();
        r.add(b"tok-1");
        r.add(b"it's\\x");
        r.add(b"");
        assert_eq!(
            r.clean("bad token tok-1 (tok-1)"),
            "bad token [redacted] ([redacted])"
        );
        assert_eq!(r.clean("['it\\'s\\\\x']"), "['[redacted]']");
        assert_eq!(r.clean("nothing here"), "nothing here");
    }
}
