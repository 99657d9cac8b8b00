//! A [`Value`] as a YAML document that `yaml.safe_load` reads back as the same value: block
//! style, two spaces of indentation, every string and key double-quoted (escaped where
//! PyYAML's reader or its YAML 1.1 line breaks require it), floats in a form PyYAML's
//! resolver takes for a float (`1.0e+16`, `.inf`, `.nan`). Not PyYAML's own layout
//! (`safe_dump`), the same value.
//!
//! Iterative: collections nested deeper than [`FLOW_BELOW`] are written in flow style on
//! one line (`{"k": [1, 2]}`), so the indentation, and the output, stay linear in the
//! value's size. A key longer than [`LONG_KEY`] characters is written as an explicit key
//! (`? "key"`): PyYAML reads a plain `"key":` only within 1024 characters.

use crate::pyjson::repr::float_repr;
use crate::pystr::PyStr;
use crate::value::Value;

/// Block nesting past which collections are written in flow style.
const FLOW_BELOW: usize = 32;

/// The longest key, in characters as written, put before its `:` on the same line.
const LONG_KEY: usize = 1000;

pub(super) fn dump(v: &Value, out: &mut Vec<u8>) {
    if is_leaf(v) {
        scalar(v, out);
        out.push(b'\n');
        return;
    }
    let mut frames = vec![Frame {
        node: v,
        next: 0,
        indent: 0,
        inline_first: false,
    }];
    loop {
        let depth = frames.len();
        let Some(frame) = frames.last_mut() else {
            return;
        };
        let (indent, i) = (frame.indent, frame.next);
        let inline = frame.inline_first && i == 0;
        let (key, item) = match frame.node {
            Value::List(l) => match l.0.get(i) {
                Some(item) => (None, item),
                None => {
                    frames.pop();
                    continue;
                }
            },
            Value::Dict(d) => match d.get_index(i) {
                Some((k, item)) => (Some(k), item),
                None => {
                    frames.pop();
                    continue;
                }
            },
            _ => unreachable!("only collections have frames"),
        };
        frame.next += 1;
        if !inline {
            pad(indent, out);
        }
        match key {
            None => out.extend_from_slice(b"- "),
            Some(k) => {
                let quoted = quoted_key(k);
                if chars(&quoted) > LONG_KEY {
                    out.extend_from_slice(b"? ");
                    out.extend_from_slice(&quoted);
                    out.push(b'\n');
                    pad(indent, out);
                    out.push(b':');
                } else {
                    out.extend_from_slice(&quoted);
                    out.push(b':');
                }
            }
        }
        let after_key = key.is_some();
        if is_leaf(item) || depth >= FLOW_BELOW {
            if after_key {
                out.push(b' ');
            }
            flow(item, out);
            out.push(b'\n');
            continue;
        }
        // A collection below: after a key on the lines that follow, after `- ` on this
        // line (unless its first key is written as an explicit key).
        let inline_first = !after_key && !starts_with_long_key(item);
        if !inline_first {
            out.push(b'\n');
        }
        frames.push(Frame {
            node: item,
            next: 0,
            indent: indent + 2,
            inline_first,
        });
    }
}

/// A non-empty list or dict being written in block style.
struct Frame<'v> {
    node: &'v Value,
    /// The next item's index.
    next: usize,
    /// The column of its items.
    indent: usize,
    /// Whether its first item goes on the current line (after a `- `).
    inline_first: bool,
}

/// Not a non-empty collection: written on one line.
fn is_leaf(v: &Value) -> bool {
    match v {
        Value::List(l) => l.0.is_empty(),
        Value::Dict(d) => d.is_empty(),
        _ => true,
    }
}

fn starts_with_long_key(v: &Value) -> bool {
    match v {
        Value::Dict(d) => d
            .get_index(0)
            .is_some_and(|(k, _)| chars(&quoted_key(k)) > LONG_KEY),
        _ => false,
    }
}

fn pad(indent: usize, out: &mut Vec<u8>) {
    out.extend(std::iter::repeat_n(b' ', indent));
}

/// The number of characters of UTF-8 text.
fn chars(text: &[u8]) -> usize {
    text.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

fn quoted_key(k: &PyStr) -> Vec<u8> {
    let mut out = Vec::with_capacity(k.byte_len() + 2);
    quoted(k, &mut out);
    out
}

/// `v` in flow style, on one line. Iterative.
fn flow(v: &Value, out: &mut Vec<u8>) {
    let mut open: Vec<(&Value, usize)> = Vec::new();
    let mut next = Some(v);
    loop {
        if let Some(v) = next.take() {
            if is_leaf(v) {
                scalar(v, out);
            } else {
                out.push(if matches!(v, Value::List(_)) {
                    b'['
                } else {
                    b'{'
                });
                open.push((v, 0));
            }
        }
        let Some((node, i)) = open.last_mut() else {
            return;
        };
        let item = match node {
            Value::List(l) => l.0.get(*i).map(|item| (None, item)),
            Value::Dict(d) => d.get_index(*i).map(|(k, item)| (Some(k), item)),
            _ => unreachable!("only collections are open"),
        };
        let Some((key, item)) = item else {
            out.push(if matches!(node, Value::List(_)) {
                b']'
            } else {
                b'}'
            });
            open.pop();
            continue;
        };
        if *i > 0 {
            out.extend_from_slice(b", ");
        }
        *i += 1;
        if let Some(k) = key {
            let quoted = quoted_key(k);
            if chars(&quoted) > LONG_KEY {
                out.extend_from_slice(b"? ");
            }
            out.extend_from_slice(&quoted);
            out.extend_from_slice(b": ");
        }
        next = Some(item);
    }
}

/// A value that is not a non-empty collection.
fn scalar(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::None => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => i.write_decimal(out),
        Value::Float(f) => float(*f, out),
        Value::Str(s) => quoted(s, out),
        Value::List(_) => out.extend_from_slice(b"[]"),
        Value::Dict(_) => out.extend_from_slice(b"{}"),
    }
}

/// A float as PyYAML's resolver takes one: it wants a `.` (`1e+16` is a string to it, so
/// `1.0e+16`), and `.inf`, `-.inf`, `.nan`.
fn float(f: f64, out: &mut Vec<u8>) {
    if f.is_nan() {
        out.extend_from_slice(b".nan");
    } else if f.is_infinite() {
        out.extend_from_slice(if f > 0.0 { b".inf" } else { b"-.inf" });
    } else {
        let repr = float_repr(f);
        match repr.split_once('e') {
            Some((mantissa, exp)) if !mantissa.contains('.') => {
                out.extend_from_slice(mantissa.as_bytes());
                out.extend_from_slice(b".0e");
                out.extend_from_slice(exp.as_bytes());
            }
            _ => out.extend_from_slice(repr.as_bytes()),
        }
    }
}

/// A double-quoted scalar. Escaped: `"` and `\`, what PyYAML's reader refuses (controls,
/// DEL, C1 controls, surrogates, U+FFFE and U+FFFF), what it reads as a line break
/// (line feed, carriage return, NEL, U+2028, U+2029), tabs, and a byte order mark.
fn quoted(s: &PyStr, out: &mut Vec<u8>) {
    out.push(b'"');
    for cp in s.code_points() {
        let short = match cp {
            0x22 => b'"',
            0x5C => b'\\',
            0x00 => b'0',
            0x07 => b'a',
            0x08 => b'b',
            0x09 => b't',
            0x0A => b'n',
            0x0B => b'v',
            0x0C => b'f',
            0x0D => b'r',
            0x1B => b'e',
            0x85 => b'N',
            0x2028 => b'L',
            0x2029 => b'P',
            0x01..=0x1F | 0x7F..=0x9F => {
                out.extend_from_slice(format!("\\x{cp:02X}").as_bytes());
                continue;
            }
            0xD800..=0xDFFF | 0xFEFF | 0xFFFE | 0xFFFF => {
                out.extend_from_slice(format!("\\u{cp:04X}").as_bytes());
                continue;
            }
            _ => {
                // Any other code point is a character (surrogates are above).
                let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                continue;
            }
        };
        out.push(b'\\');
        out.push(short);
    }
    out.push(b'"');
}
