//! Credentials out of server texts. A server may echo what it was sent ("bad token
//! <token>"); any text that came from a server goes through [`Redactor::clean`] before it
//! can reach an error message.

use zeroize::Zeroizing;

/// What replaces a credential in a message.
pub const MASK: &str = "[redacted]";

/// The credentials of one get (the token, a refreshed token, an API key, an auth string
/// and its base64), borrowed: nothing is copied unless a text needs cleaning, so the
/// common path (no error) costs nothing.
#[derive(Default)]
pub struct Redactor<'a> {
    secrets: [&'a [u8]; 4],
    len: usize,
}

impl<'a> Redactor<'a> {
    /// Adds a credential (at most four are kept; a get has at most three).
    pub fn add(&mut self, secret: &'a [u8]) {
        if !secret.is_empty() && self.len < self.secrets.len() {
            self.secrets[self.len] = secret;
            self.len += 1;
        }
    }

    /// `text` with every credential masked, also in the form a Python `repr` gives it
    /// (`\` and `'` escaped).
    pub fn clean(&self, text: &str) -> String {
        let mut forms: Vec<Zeroizing<String>> = Vec::new();
        for secret in &self.secrets[..self.len] {
            let plain = Zeroizing::new(String::from_utf8_lossy(secret).into_owned());
            let escaped = Zeroizing::new(plain.replace('\\', "\\\\").replace('\'', "\\'"));
            if *escaped != *plain {
                forms.push(escaped);
            }
            forms.push(plain);
        }
        // Longest first, so a credential inside another is masked as part of the longer.
        forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut out = text.to_string();
        for form in &forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), MASK);
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
