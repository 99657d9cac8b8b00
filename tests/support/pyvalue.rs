//! Comparing values as Python values: bool, int and float differ, NaN equals NaN, -0.0 is
//! not 0.0, strings compare as the text a C caller gets (a surrogate pair equals its
//! character). Iterative, so deep values are fine. Shared by the golden tests, the
//! property tests and the fuzz targets (`fuzz/src/lib.rs` includes this file).

use prefect_secrets::testing::pyjson;
use prefect_secrets::testing::value::Value;

/// Whether two dicts must also list their keys in the same order.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {
    /// As `tests/oracle/oracle.py --lib` compares: key order does not matter.
    Ignored,
    /// After a round trip through our own renderer and decoder: order must survive too.
    Kept,
}

pub fn same(a: &Value, b: &Value) -> bool {
    same_with(a, b, KeyOrder::Ignored)
}

pub fn same_with(a: &Value, b: &Value, order: KeyOrder) -> bool {
    let mut stack = vec![(a, b)];
    while let Some((a, b)) = stack.pop() {
        let ok = match (a, b) {
            (Value::None, Value::None) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Float(x), Value::Float(y)) => {
                (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
            }
            (Value::Str(x), Value::Str(y)) => x.to_wtf8() == y.to_wtf8(),
            (Value::List(x), Value::List(y)) => {
                stack.extend(x.0.iter().zip(y.0.iter()));
                x.0.len() == y.0.len()
            }
            (Value::Dict(x), Value::Dict(y)) if x.len() == y.len() => match order {
                KeyOrder::Kept => x.iter().zip(y.iter()).all(|((kx, vx), (ky, vy))| {
                    stack.push((vx, vy));
                    kx.to_wtf8() == ky.to_wtf8()
                }),
                KeyOrder::Ignored => x.iter().all(|(k, vx)| match y.get(k) {
                    Some(vy) => {
                        stack.push((vx, vy));
                        true
                    }
                    None => false,
                }),
            },
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Python's `json.loads` of JSON text, for comparisons.
pub fn parse(json: &[u8]) -> Result<Value, String> {
    pyjson::loads(json).map_err(|e| e.to_string())
}
