//! The value model: what a Python `Secret.get()` can return, and what a configuration holds.
//!
//! `Value` mirrors the Python types Prefect 0.5.3 produces: `None`, `bool`, `int` of any
//! size, `float`, `str`, `list` and `dict` (a configuration table is a `dict` here too).
//! Containers drop iteratively, so a deeply nested value cannot overflow the stack of
//! whichever host thread releases it, and zero the numbers and booleans they hold before
//! their memory is freed (strings and big ints wipe themselves): any of them may be a
//! secret.

use std::fmt;

use zeroize::Zeroize;

use crate::pystr::PyStr;

mod dict;
mod get_from_dict;

pub use dict::Dict;
pub use get_from_dict::get_from_dict;

#[derive(Clone)]
pub enum Value {
    None,
    Bool(bool),
    Int(Int),
    Float(f64),
    Str(PyStr),
    List(List),
    Dict(Dict),
}

impl Value {
    /// Python's type name, for messages (never the value itself).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Dict(_) => "table",
        }
    }

    pub fn str(s: &str) -> Value {
        Value::Str(PyStr::from(s))
    }

    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }
}

impl fmt::Debug for Value {
    /// Only the type shows: a value may be a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::List(l) => l.fmt(f),
            Value::Dict(d) => d.fmt(f),
            other => f.write_str(other.type_name()),
        }
    }
}

/// A Python `int`: machine-sized when it fits, else its canonical decimal text.
#[derive(Clone, PartialEq, Eq)]
pub enum Int {
    Small(i64),
    /// Canonical decimal digits (optional `-`, no leading zero), outside the `i64` range.
    Big(BigDigits),
}

/// The digits of an `int` too large for `i64`; wiped on drop like every secret byte.
#[derive(Clone, PartialEq, Eq)]
pub struct BigDigits(String);

impl Drop for BigDigits {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Int {
    /// Parses `-?[0-9]+` (ASCII digits, leading zeros allowed) into a canonical int.
    /// Returns `None` for any other text.
    pub fn parse_decimal(text: &str) -> Option<Int> {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if let Ok(v) = text.parse::<i64>() {
            return Some(Int::Small(v));
        }
        let trimmed = digits.trim_start_matches('0');
        if trimmed.is_empty() {
            return Some(Int::Small(0));
        }
        let mut s = String::with_capacity(trimmed.len() + 1);
        if neg {
            s.push('-');
        }
        s.push_str(trimmed);
        match s.parse::<i64>() {
            Ok(v) => Some(Int::Small(v)),
            Err(_) => Some(Int::Big(BigDigits(s))),
        }
    }

    /// Python's `str(int)`.
    pub fn write_decimal(&self, out: &mut Vec<u8>) {
        match self {
            Int::Small(v) => out.extend_from_slice(v.to_string().as_bytes()),
            Int::Big(d) => out.extend_from_slice(d.0.as_bytes()),
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Int::Small(v) => Some(*v),
            Int::Big(_) => None,
        }
    }
}

impl fmt::Debug for Int {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Int::Small(_) => f.write_str("Int(<small>)"),
            Int::Big(d) => write!(f, "Int(<{} digits>)", d.0.len()),
        }
    }
}

/// A Python `list`.
#[derive(Clone, Default)]
pub struct List(pub Vec<Value>);

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "list[{}]", self.0.len())
    }
}

impl fmt::Debug for Dict {
    /// Keys show as their sizes only (see `PyStr`'s Debug); values as their types.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// The pieces a writer sees while [`walk`] goes through a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    OpenList,
    CloseList,
    OpenDict,
    CloseDict,
    /// Between two items of a list or dict.
    ItemSep,
    /// Between a dict key and its value.
    KeySep,
}

/// What a writer does with each piece of a value, in order.
pub trait Visitor {
    /// A value that is not a list or a dict.
    fn scalar(&mut self, v: &Value);
    fn key(&mut self, k: &PyStr);
    fn token(&mut self, t: Token);
}

/// Goes through `v` depth first, in order, without recursion (a value from a server may
/// nest deeply): the one traversal behind the JSON and `repr` writers.
pub fn walk(v: &Value, visitor: &mut impl Visitor) {
    enum Item<'a> {
        Value(&'a Value),
        Key(&'a PyStr),
        Token(Token),
    }
    let mut stack = vec![Item::Value(v)];
    while let Some(item) = stack.pop() {
        match item {
            Item::Token(t) => visitor.token(t),
            Item::Key(k) => {
                visitor.key(k);
                visitor.token(Token::KeySep);
            }
            Item::Value(Value::List(l)) => {
                visitor.token(Token::OpenList);
                stack.push(Item::Token(Token::CloseList));
                for (i, x) in l.0.iter().enumerate().rev() {
                    stack.push(Item::Value(x));
                    if i > 0 {
                        stack.push(Item::Token(Token::ItemSep));
                    }
                }
            }
            Item::Value(Value::Dict(d)) => {
                visitor.token(Token::OpenDict);
                stack.push(Item::Token(Token::CloseDict));
                for (i, (k, x)) in d.iter().enumerate().rev() {
                    stack.push(Item::Value(x));
                    stack.push(Item::Key(k));
                    if i > 0 {
                        stack.push(Item::Token(Token::ItemSep));
                    }
                }
            }
            Item::Value(scalar) => visitor.scalar(scalar),
        }
    }
}

/// Zeroes a number or boolean in place (volatile writes the compiler keeps).
pub fn wipe_scalar(v: &mut Value) {
    match v {
        Value::Bool(b) => b.zeroize(),
        Value::Int(Int::Small(i)) => i.zeroize(),
        Value::Float(f) => f.zeroize(),
        _ => {}
    }
}

/// Moves the children of nested containers onto a heap stack before they drop, so
/// dropping never recurses more than one level. Scalars are wiped before they move, so
/// no copy of them is left behind.
fn drop_iteratively(mut pending: Vec<Value>) {
    while let Some(mut v) = pending.pop() {
        match &mut v {
            Value::List(l) => {
                l.0.iter_mut().for_each(wipe_scalar);
                pending.append(&mut l.0);
            }
            Value::Dict(d) => {
                d.values_mut().for_each(wipe_scalar);
                pending.extend(d.take_entries().map(|(_, v)| v));
            }
            _ => {}
        }
    }
}

impl Drop for List {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(wipe_scalar);
        if self.0.iter().any(is_container) {
            drop_iteratively(std::mem::take(&mut self.0));
        }
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        self.values_mut().for_each(wipe_scalar);
        if self.iter().any(|(_, v)| is_container(v)) {
            drop_iteratively(self.take_entries().map(|(_, v)| v).collect());
        }
    }
}

fn is_container(v: &Value) -> bool {
    matches!(v, Value::List(_) | Value::Dict(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_are_canonical() {
        let d = |s| {
            let mut out = Vec::new();
            Int::parse_decimal(s).unwrap().write_decimal(&mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(d("-0"), "0");
        assert_eq!(d("007"), "7");
        assert_eq!(d("-9223372036854775808"), "-9223372036854775808");
        assert_eq!(
            d("123456789012345678901234567890"),
            "123456789012345678901234567890"
        );
        assert_eq!(
            d("-000123456789012345678901234567890"),
            "-123456789012345678901234567890"
        );
        assert!(Int::parse_decimal("1.0").is_none());
        assert!(Int::parse_decimal("-").is_none());
        assert!(Int::parse_decimal("+1").is_none());
    }

    #[test]
    fn deep_nesting_drops_without_recursion() {
        let mut v = Value::None;
        for _ in 0..1_000_000 {
            v = Value::List(List(vec![v]));
        }
        let mut d = Dict::new();
        d.insert(PyStr::from("k"), v);
        drop(d);
    }

    #[test]
    fn debug_never_shows_values() {
        let v = Value::Str(PyStr::from("hunter2"));
        assert!(!format!("{v:?}").contains("hunter2"));
        let i = Int::parse_decimal("123456789012345678901234567890").unwrap();
        assert!(!format!("{i:?}").contains("1234"));
    }
}
