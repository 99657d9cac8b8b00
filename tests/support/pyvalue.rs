//! Comparing values the way the conformance kit does: as Python values, where bool, int
//! and float differ, NaN equals NaN, -0.0 is not 0.0 and key order does not matter.

use prefect_secrets::pyjson;
use prefect_secrets::value::Value;

pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => {
            if x.is_nan() || y.is_nan() {
                x.is_nan() && y.is_nan()
            } else {
                x == y && x.is_sign_negative() == y.is_sign_negative()
            }
        }
        (Value::Str(x), Value::Str(y)) => x.to_wtf8() == y.to_wtf8(),
        (Value::List(x), Value::List(y)) => {
            x.0.len() == y.0.len() && x.0.iter().zip(&y.0).all(|(a, b)| same(a, b))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.0.get(k).is_some_and(|w| same(v, w)))
        }
        _ => false,
    }
}

/// Python's `json.loads` of JSON text, for comparisons.
pub fn parse(json: &[u8]) -> Result<Value, String> {
    pyjson::loads(json).map_err(|e| e.to_string())
}
