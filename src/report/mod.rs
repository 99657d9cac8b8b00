//! Reports for people: where a secret comes from and why it is not found
//! ([`explain`], `secret_explain`), and the effective configuration ([`view`],
//! `secret_config_view`).
//!
//! Neither ever holds a secret value or a credential: values are described by their kind
//! and size only, and the configuration view masks every value under `context.secrets`,
//! every credential and anything built from one. Both read a snapshot that `get` already
//! has (sources are recorded while the configuration is built, see `config::source`), so
//! they cannot disagree with it and cost a `get` nothing.
//!
//! - [`explain`]: the report on one name; [`near`]: near misses for a name not found
//! - [`template`]: the report on a template's placeholders (`explain` given one)
//! - [`view`]: the configuration as TOML, masked, with `--show-sources` comments;
//!   [`prefect3`]: its section on Prefect 3's settings

pub mod explain;
pub mod near;
pub mod prefect3;
pub mod template;
pub mod view;

use crate::context::Secrets;
use crate::error::Error;
use crate::pystr::PyStr;
use crate::server::{Request, flavors};
use crate::store::Store;
use crate::value::Value;

/// The names in `context.secrets`, sorted (`prefect-secrets list`); under the Prefect 3
/// flavour, the names of the server's Secret blocks. Never a value.
pub fn secret_names(store: &Store) -> Result<Vec<String>, Error> {
    let snapshot = store.snapshot();
    let state = snapshot.loaded.as_ref().map_err(Clone::clone)?;
    if state.is_prefect3() {
        let settings = state.server_settings()?;
        let request = Request {
            version: snapshot.version,
            settings: &settings,
            accounts: store.accounts(),
        };
        return flavors::blocks::names(&request);
    }
    let mut names: Vec<String> = match state.secrets() {
        Secrets::Table(map) => map
            .keys()
            .map(|k| PyStr::from_gutf8(k.to_vec()).to_string_lossy())
            .collect(),
        Secrets::Absent => Vec::new(),
        Secrets::NotATable(kind) => {
            return Err(Error::config(format!(
                "context.secrets is a {kind}, not a table, so it has no names"
            )));
        }
    };
    names.sort();
    Ok(names)
}

/// A value's kind and size, never its content: `a dict with 2 keys`, `text of 5 bytes`.
pub fn kind_of(v: &Value) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    match v {
        Value::None => "None".to_string(),
        Value::Bool(_) => "a bool".to_string(),
        Value::Int(_) => "an int".to_string(),
        Value::Float(_) => "a float".to_string(),
        Value::Str(s) => format!("text of {}", plural(s.byte_len(), "byte", "bytes")),
        Value::List(l) => format!("a list of {}", plural(l.0.len(), "item", "items")),
        Value::Dict(d) => format!("a dict with {}", plural(d.len(), "key", "keys")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::loads;

    #[test]
    fn kinds_say_nothing_of_the_content() {
        let kind = |json: &str| kind_of(&loads(json.as_bytes()).unwrap());
        assert_eq!(kind(r#"{"a": 1, "b": 2}"#), "a dict with 2 keys");
        assert_eq!(kind("[1]"), "a list of 1 item");
        assert_eq!(kind(r#""hunter2""#), "text of 7 bytes");
        assert_eq!(kind("5432"), "an int");
        assert_eq!(kind("1e5"), "a float");
        assert_eq!(kind("null"), "None");
        assert_eq!(kind("true"), "a bool");
    }
}
