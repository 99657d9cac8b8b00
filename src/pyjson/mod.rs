//! Python-exact JSON: `json.loads` (decode), `json.dumps` (render) and `str()`/`repr()`
//! of values (repr), as Prefect 0.5.3 applies them on Python 3.11.

pub mod decode;
pub mod render;
pub mod repr;

pub use decode::{DecodeError, loads};
pub use render::{to_json, to_raw};

use crate::value::Value;

/// What `Secret.get()` does with a stored value, in Prefect 0.5.3 (context secrets) and in
/// Prefect 3 (Secret blocks) alike: a string goes through `json.loads`, and comes back as
/// it is when it is not JSON; any other value comes back as it is. `Ok(Value::None)` is
/// Python's None. A `ValueError` from `json.loads` (too many digits, too deep) is an error.
pub fn loads_or_keep(value: Value) -> Result<Value, DecodeError> {
    match value {
        Value::Str(s) => match loads(s.as_bytes()) {
            Ok(decoded) => Ok(decoded),
            Err(DecodeError::Syntax { .. }) => Ok(Value::Str(s)),
            Err(e) => Err(e),
        },
        other => Ok(other),
    }
}
