//! Text into roff for the man(7) macros: what `prefect-secrets __man` writes (the manual
//! page of the command line) and what `tests/manual.rs` writes for the C API's page (it
//! includes this file by path), so both escape alike.

/// `text` with roff's special characters escaped: `\` as `\e`, every `-` as `\-` (a
/// hyphen-minus, as typed in a shell, not a typographic hyphen), anything beyond ASCII
/// as `\[uXXXX]`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&format!("\\[u{:04X}]", c as u32)),
        }
    }
    out
}

/// `text` as lines of a filled paragraph: escaped, each `code span` in bold (in italic
/// when it is one of `italic`, such as a C function's parameters), each line trimmed,
/// and a line that would start with `.` or `'` (a request) made text with `\&`. Blank lines
/// are left out (a blank line in roff is a break).
pub fn prose(text: &str, italic: &[&str]) -> String {
    let mut marked = String::with_capacity(text.len());
    // The text between backticks alternates: outside, inside, outside...
    let parts: Vec<&str> = text.split('`').collect();
    // An unmatched last backtick is kept as it is.
    let spans = if parts.len() % 2 == 0 {
        parts.len() - 1
    } else {
        parts.len()
    };
    for (i, part) in parts.iter().enumerate() {
        if i >= spans {
            marked.push_str("\\`");
            marked.push_str(&escape(part));
        } else if i % 2 == 1 {
            let font = if italic.contains(part) {
                "\\fI"
            } else {
                "\\fB"
            };
            marked.push_str(font);
            marked.push_str(&escape(part));
            marked.push_str("\\fR");
        } else {
            marked.push_str(&escape(part));
        }
    }
    let mut out = String::new();
    for line in marked.lines().map(str::trim).filter(|l| !l.is_empty()) {
        for line in wrap(line) {
            if line.starts_with(['.', '\'']) {
                out.push_str("\\&");
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// `line` cut at spaces into lines of at most 80 bytes where it can be (a word longer than
/// that stays whole): the width man page sources keep to.
pub fn wrap(line: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = line;
    while rest.len() > 80 {
        let cut = match rest[..=80].rfind(' ').or_else(|| rest.find(' ')) {
            Some(cut) => cut,
            None => break,
        };
        lines.push(rest[..cut].trim_end());
        rest = rest[cut..].trim_start();
    }
    lines.push(rest);
    lines
}

/// Today's date (UTC), `YYYY-MM-DD`, for a page's `.TH` when no date is given.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Howard Hinnant's days-to-civil.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `word` in bold.
pub fn bold(word: &str) -> String {
    format!("\\fB{}\\fR", escape(word))
}

/// `word` in italic.
pub fn italic(word: &str) -> String {
    format!("\\fI{}\\fR", escape(word))
}
