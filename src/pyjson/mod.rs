//! Python-exact JSON: `json.loads` (decode), `json.dumps` (render) and `str()`/`repr()`
//! of values (repr), as Prefect 0.5.3 applies them on Python 3.11.

pub mod decode;
pub mod render;
pub mod repr;

pub use decode::{DecodeError, loads};
pub use render::{to_json, to_raw};
