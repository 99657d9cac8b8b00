//! Reading a Prefect `config.toml` as Python's `toml` 0.10.2 (which Prefect 0.5.3 uses)
//! reads it, on top of the `toml` crate (0.8, TOML 1.0: later versions accept TOML 1.1's
//! `\e` and `\x` escapes and second-less times, which 0.10.2 refuses): the file is read
//! as UTF-8 text with universal
//! newlines, top-level keys are lowercased, arrays must hold one kind of value, dates and
//! times become the text Python's `str()` gives them, and `-0.0` loses its sign.

use std::collections::HashMap;

use super::ConfigError;
use crate::pystr::PyStr;
use crate::value::{Dict, Int, List, Value};

/// The line (from 1) each key of a file is set on, by its path of keys (top-level keys
/// lowercased, as in the tables).
pub type Lines = HashMap<Vec<PyStr>, u32>;

/// Parses the text of a configuration file; `source` names it in messages.
pub fn parse(text: &str, source: &str) -> Result<Dict, ConfigError> {
    parse_with_lines(text, source).map(|(tables, _)| tables)
}

/// [`parse`], also giving the line each key is set on: both come from the one parse.
pub fn parse_with_lines(text: &str, source: &str) -> Result<(Dict, Lines), ConfigError> {
    if text.starts_with('\u{feff}') {
        return Err(ConfigError::new(format!(
            "{source}: starts with a byte-order mark, which Prefect 0.5.3's TOML reader rejects"
        )));
    }
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let invalid = |e: toml_edit::de::Error| {
        // The first line of the message only: later lines may quote the file.
        let what = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_string();
        let at = match e.span() {
            Some(span) => {
                let at = span.start.min(text.len());
                let (line, start) = LineIndex::new(&text).line_and_start(at);
                let col = text[start..at].chars().count() + 1;
                format!(" (line {line}, column {col})")
            }
            None => String::new(),
        };
        ConfigError::new(format!("{source}: invalid TOML: {what}{at}"))
    };
    // What `toml::from_str` does, in two steps so the document's spans can be read.
    let doc = toml_edit::ImDocument::parse(text.clone())
        .map_err(|e| invalid(toml_edit::de::Error::from(e)))?;
    let mut lines = Lines::new();
    key_lines(
        doc.as_table(),
        &mut Vec::new(),
        &LineIndex::new(&text),
        &mut lines,
    );
    let table: toml::Table = toml_edit::de::from_document(doc).map_err(invalid)?;
    let mut out = Dict::new();
    for (k, v) in table {
        let value = convert(v)
            .map_err(|why| ConfigError::new(format!("{source}: under key `{k}`: {why}")))?;
        out.insert(PyStr::from(k.to_lowercase()), value);
    }
    Ok((out, lines))
}

/// Where each line of a text starts, to turn byte offsets into line numbers by binary
/// search: counting the newlines before every key made loading quadratic in the file's
/// size (issue 19).
pub struct LineIndex {
    /// The offset of the first byte of every line after the first.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = text
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| i + 1)
            .collect();
        LineIndex { starts }
    }

    /// The line (from 1) of the byte at `offset`: one more than the newlines before it.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) + 1
    }

    /// [`LineIndex::line`], and the offset where that line starts.
    pub fn line_and_start(&self, offset: usize) -> (usize, usize) {
        let before = self.starts.partition_point(|&s| s <= offset);
        (
            before + 1,
            if before == 0 {
                0
            } else {
                self.starts[before - 1]
            },
        )
    }
}

/// Records the line of every key below `table` (tables and leaves alike).
fn key_lines(
    table: &dyn toml_edit::TableLike,
    path: &mut Vec<PyStr>,
    index: &LineIndex,
    out: &mut Lines,
) {
    for (k, item) in table.iter() {
        path.push(PyStr::from(if path.is_empty() {
            k.to_lowercase()
        } else {
            k.to_string()
        }));
        let span = table
            .get_key_value(k)
            .and_then(|(key, _)| key.span())
            .or_else(|| item.span());
        if let Some(span) = span {
            let line = index.line(span.start);
            out.insert(path.clone(), u32::try_from(line).unwrap_or(u32::MAX));
        }
        if let Some(inner) = item.as_table_like() {
            key_lines(inner, path, index, out);
        }
        path.pop();
    }
}

/// The kind `toml` 0.10.2 compares to decide whether an array is homogeneous.
fn kind(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "string",
        toml::Value::Integer(_) => "integer",
        toml::Value::Float(_) => "float",
        toml::Value::Boolean(_) => "boolean",
        toml::Value::Datetime(d) if d.date.is_none() => "time",
        toml::Value::Datetime(_) => "date",
        toml::Value::Array(_) => "array",
        toml::Value::Table(_) => "table",
    }
}

fn convert(v: toml::Value) -> Result<Value, String> {
    Ok(match v {
        toml::Value::String(s) => Value::Str(PyStr::from(s)),
        toml::Value::Integer(i) => Value::Int(Int::Small(i)),
        // toml 0.10.2 negates after parsing (`0 - v`), which turns -0.0 into 0.0.
        toml::Value::Float(f) => Value::Float(if f == 0.0 { 0.0 } else { f }),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::Str(PyStr::from(datetime_str(&d)?)),
        toml::Value::Array(items) => {
            if let Some(first) = items.first() {
                let k = kind(first);
                if let Some(other) = items.iter().find(|x| kind(x) != k) {
                    return Err(format!(
                        "an array mixes {k} and {} values, which Prefect 0.5.3's TOML reader \
                         rejects (\"Not a homogeneous array\")",
                        kind(other)
                    ));
                }
            }
            Value::List(List(
                items.into_iter().map(convert).collect::<Result<_, _>>()?,
            ))
        }
        toml::Value::Table(t) => {
            let mut d = Dict::new();
            for (k, v) in t {
                d.insert(PyStr::from(k), convert(v)?);
            }
            Value::Dict(d)
        }
    })
}

/// Python's `str()` of the `datetime`, `date` or `time` that `toml` 0.10.2 returns.
fn datetime_str(d: &toml::value::Datetime) -> Result<String, String> {
    let mut out = String::new();
    if let Some(date) = &d.date {
        out.push_str(&format!(
            "{:04}-{:02}-{:02}",
            date.year, date.month, date.day
        ));
    }
    if let Some(time) = &d.time {
        let second = time.second;
        if second >= 60 {
            return Err("a leap second, which Prefect 0.5.3's TOML reader rejects".into());
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!(
            "{:02}:{:02}:{:02}",
            time.hour, time.minute, second
        ));
        let micros = time.nanosecond / 1000;
        if micros > 0 {
            out.push_str(&format!(".{micros:06}"));
        }
        if d.date.is_some() {
            match d.offset {
                Some(toml::value::Offset::Z) => out.push_str("+00:00"),
                Some(toml::value::Offset::Custom { minutes }) => {
                    let sign = if minutes < 0 { '-' } else { '+' };
                    let m = minutes.unsigned_abs();
                    out.push_str(&format!("{sign}{:02}:{:02}", m / 60, m % 60));
                }
                None => {}
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::render::to_json;

    fn json_of(text: &str) -> Result<String, String> {
        let d = parse(text, "test.toml").map_err(|e| e.0)?;
        let mut out = Vec::new();
        to_json(&Value::Dict(d), &mut out);
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn reads_like_toml_0_10_2() {
        assert_eq!(
            json_of("[Context.Secrets]\nA = 1").unwrap(),
            r#"{"context":{"Secrets":{"A":1}}}"#
        );
        assert_eq!(
            json_of("x = -0.0\ny = 0xff\nz = 1_000").unwrap(),
            r#"{"x":0.0,"y":255,"z":1000}"#
        );
        assert_eq!(
            json_of("a = 1979-05-27T07:32:00-08:00\nb = 1979-05-27T07:32:00.5Z\nc = 1979-05-27\nd = 07:32:00.123456789\ne = 1979-05-27T07:32:00").unwrap(),
            r#"{"a":"1979-05-27 07:32:00-08:00","b":"1979-05-27 07:32:00.500000+00:00","c":"1979-05-27","d":"07:32:00.123456","e":"1979-05-27 07:32:00"}"#
        );
        assert_eq!(
            json_of("a = [[1], [\"a\"]]").unwrap(),
            r#"{"a":[[1],["a"]]}"#
        );
        assert_eq!(
            json_of("a = \"\"\"\r\nx\r\ny\"\"\"").unwrap(),
            r#"{"a":"x\ny"}"#
        );
    }

    #[test]
    fn rejects_what_toml_0_10_2_rejects() {
        assert!(json_of("a = [1, 2.0]").unwrap_err().contains("homogeneous"));
        assert!(
            json_of("\u{feff}a = 1")
                .unwrap_err()
                .contains("byte-order mark")
        );
        assert!(json_of("a = 07:32").is_err());
        assert!(json_of("a = 1\na = 2").is_err());
    }

    #[test]
    fn lines_of_keys() {
        let text = "[Context.secrets]\na = 1\n\nb = { c = 2, d = 3 }\n[cloud]\nx.y = 4\n";
        let (_, lines) = parse_with_lines(text, "t").unwrap();
        let at = |k: &[&str]| {
            lines
                .get(&k.iter().map(|s| PyStr::from(*s)).collect::<Vec<_>>())
                .copied()
        };
        assert_eq!(at(&["context", "secrets", "a"]), Some(2));
        assert_eq!(at(&["context", "secrets", "b", "d"]), Some(4));
        assert_eq!(at(&["cloud", "x", "y"]), Some(6));
        assert_eq!(at(&["context", "secrets"]), Some(1));
    }

    #[test]
    fn line_index_counts_like_the_newlines_before() {
        for text in ["", "a", "\n", "a\nb\n\nc", "\n\nx\n"] {
            let index = LineIndex::new(text);
            for at in 0..=text.len() + 2 {
                let before = &text[..at.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let start = before.rfind('\n').map_or(0, |i| i + 1);
                assert_eq!(index.line(at), line, "{text:?} at {at}");
                assert_eq!(index.line_and_start(at), (line, start), "{text:?} at {at}");
            }
        }
    }

    #[test]
    fn errors_locate_without_quoting() {
        let e = json_of("[context.secrets]\nAPI_KEY = \"hunter2").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }
}
