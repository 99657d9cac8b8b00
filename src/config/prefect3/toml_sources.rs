//! Reading the settings files: `prefect.toml` and `pyproject.toml` in the working
//! directory, `profiles.toml` and `.env`. Prefect 3 parses every TOML file with
//! `tomllib` (TOML 1.0, Python 3.11); the `toml` crate reads the same language (mixed
//! arrays, dotted keys; no `\e`, no duplicate keys), unlike the `toml` 0.10 emulation in
//! `config::toml_file` that Prefect 0.5.3 needs.

use std::path::Path;

use zeroize::Zeroizing;

use crate::config::ConfigError;
use crate::files::{self, ReadError};
use crate::pystr::PyStr;
use crate::value::{Dict, Int, List, Value};

/// The largest settings file read (`.env`, `prefect.toml`, `pyproject.toml`,
/// `profiles.toml`): these are a few lines; a bigger one is refused, not read on.
pub const SETTINGS_FILE_CAP: u64 = 1 << 20;

/// A file as found on disk.
pub enum Found {
    /// No such file.
    Missing,
    /// Something that is not a regular file (a directory, a FIFO, a device...).
    NotRegular(&'static str),
    Text(Zeroizing<String>),
}

/// Reads `path` if it is a regular file under [`SETTINGS_FILE_CAP`]. Text that is not
/// UTF-8 is an error, as Python's `read_text(encoding="utf-8")` raises.
pub fn read(path: &Path) -> Result<Found, ConfigError> {
    match files::read_regular(path, SETTINGS_FILE_CAP) {
        Ok(bytes) => match std::str::from_utf8(&bytes) {
            Ok(text) => Ok(Found::Text(Zeroizing::new(text.to_owned()))),
            Err(_) => Err(ConfigError::new(format!(
                "{}: the file is not UTF-8 text",
                path.display()
            ))),
        },
        Err(e) if e.is_not_found() => Ok(Found::Missing),
        Err(ReadError::NotRegular(kind)) => Ok(Found::NotRegular(kind)),
        Err(e) => Err(ConfigError::new(format!(
            "{}: cannot be read: {e}",
            path.display()
        ))),
    }
}

/// TOML text as Python's `tomllib.loads` returns it. The parser's message is left out:
/// it may quote the line, which may hold a key.
pub fn parse(text: &str, path: &Path) -> Result<Dict, ConfigError> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let at = e
            .span()
            .map(|s| format!(" at byte {}", s.start))
            .unwrap_or_default();
        ConfigError::new(format!("{}: invalid TOML{at}", path.display()))
    })?;
    Ok(table_to_dict(table))
}

fn table_to_dict(table: toml::Table) -> Dict {
    let mut d = Dict::with_capacity(table.len());
    for (k, v) in table {
        d.insert(PyStr::from(k), to_value(v));
    }
    d
}

fn to_value(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::Str(PyStr::from(s)),
        toml::Value::Integer(i) => Value::Int(Int::Small(i)),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        // A `datetime`/`date`/`time` object in Python: no setting read here accepts one,
        // and neither does anything this stands for (a list holding None), while, unlike
        // None, it still counts as set and truthy.
        toml::Value::Datetime(_) => Value::List(List(vec![Value::None])),
        toml::Value::Array(items) => Value::List(List(items.into_iter().map(to_value).collect())),
        toml::Value::Table(t) => Value::Dict(table_to_dict(t)),
    }
}

/// `d[k1][k2]...`: `Ok(None)` where a key is missing, an error where a level is not a
/// table (Prefect calls `.get` on it).
/// The line (from 1) of the value at `keys` in a TOML text, for reports; `None` when it
/// cannot be found (the text is parsed again, with spans: only for a value in use).
pub fn line_of(text: &str, keys: &[&str]) -> Option<u32> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut item = doc.as_item();
    for k in keys {
        item = item.get(*k)?;
    }
    let start = item.span()?.start;
    Some(text.get(..start)?.matches('\n').count() as u32 + 1)
}

pub fn table_at<'a>(
    d: &'a Dict,
    keys: &[&str],
    path: &Path,
) -> Result<Option<&'a Dict>, ConfigError> {
    let mut cur = d;
    for (i, k) in keys.iter().enumerate() {
        match cur.get(k.as_bytes()) {
            None => return Ok(None),
            Some(Value::Dict(next)) => cur = next,
            Some(_) => {
                return Err(ConfigError::new(format!(
                    "{}: `{}` is not a table",
                    path.display(),
                    keys[..=i].join(".")
                )));
            }
        }
    }
    Ok(Some(cur))
}

/// `get_from_dict`: the value at a key path, `None` where a level is missing or not a
/// table.
pub fn value_at<'a>(d: &'a Dict, keys: &[&str]) -> Option<&'a Value> {
    let (last, init) = keys.split_last()?;
    let mut cur = d;
    for k in init {
        cur = cur.get(k.as_bytes())?.as_dict()?;
    }
    cur.get(last.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_one_point_oh() {
        let p = Path::new("t.toml");
        let d = parse("a = [1, \"x\"]\nb.c = 1\n", p).unwrap();
        assert!(matches!(d.get("a"), Some(Value::List(l)) if l.0.len() == 2));
        assert!(value_at(&d, &["b", "c"]).is_some());
        assert!(parse("k = \"a\\eb\"\n", p).is_err());
        assert!(parse("k = 1\nk = 2\n", p).is_err());
    }

    #[test]
    fn lines_of_keys_in_every_toml_shape() {
        let text = "# c\n[api]\nurl = \"u\"\n\n[tool.prefect]\nclient.max_retries = 2\n";
        assert_eq!(line_of(text, &["api", "url"]), Some(3));
        assert_eq!(
            line_of(text, &["tool", "prefect", "client", "max_retries"]),
            Some(6)
        );
        assert_eq!(line_of("k = 1\nk = 2\n", &["k"]), None);
        let dotted = "[tool.prefect]\n\napi.url = \"u\"\n";
        assert_eq!(line_of(dotted, &["tool", "prefect", "api", "url"]), Some(3));
        let inline = "api = { url = \"u\" }\n";
        assert_eq!(line_of(inline, &["api", "url"]), Some(1));
        assert_eq!(line_of(inline, &["api", "key"]), None);
    }
}
