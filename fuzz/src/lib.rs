//! Helpers shared by the fuzz targets: Python-value equality, a small decoder from fuzz
//! bytes to a `Value` tree, and the fixed environments the config targets run with.

use std::collections::HashSet;

use prefect_secrets::testing::pyjson::decode::MAX_DEPTH;
use prefect_secrets::testing::pyjson::{loads, to_json, to_raw};
use prefect_secrets::testing::pystr::PyStr;
use prefect_secrets::testing::value::{Dict, Int, List, Value};

/// Compact JSON of `v`.
pub fn render(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    to_json(v, &mut out);
    out
}

#[path = "../../tests/support/pyvalue.rs"]
#[allow(dead_code)] // the Rust tests use the rest of it
mod pyvalue;

/// Equality as Python values after a round trip through our renderer and decoder (see
/// `tests/support/pyvalue.rs`, shared with the Rust tests): dict keys keep their order.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    pyvalue::same_with(a, b, pyvalue::KeyOrder::Kept)
}

/// The checks every decoded or generated value must pass: its JSON is ASCII, decodes to
/// an equal value, renders again to the same bytes; `to_raw` is the WTF-8 of a string
/// and the JSON of anything else.
pub fn check_round_trip(v: &Value) {
    let json = render(v);
    assert!(json.is_ascii(), "to_json wrote a non-ASCII byte");
    let back = match loads(&json) {
        Ok(back) => back,
        Err(e) => panic!(
            "loads(to_json(v)) failed: {e}; json = {}",
            String::from_utf8_lossy(&json)
        ),
    };
    assert!(
        py_eq(v, &back),
        "loads(to_json(v)) differs from v; json = {}",
        String::from_utf8_lossy(&json)
    );
    let again = render(&back);
    assert!(
        json == again,
        "rendering is not stable: {} then {}",
        String::from_utf8_lossy(&json),
        String::from_utf8_lossy(&again)
    );
    let raw = to_raw(v);
    match v {
        Value::Str(s) => assert_eq!(raw, s.to_wtf8(), "to_raw of a str is not its WTF-8"),
        _ => assert_eq!(raw, json, "to_raw of a non-str is not its JSON"),
    }
}

/// Reads fuzz bytes; once they run out every read gives zero, so generation always ends.
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }
}

#[path = "../../tests/support/floats.rs"]
mod floats;
pub use floats::SPECIAL_FLOATS;

const MAX_NODES: usize = 2_000;
/// Containers all chains of one value may add together (keeps one input cheap).
const MAX_CHAIN_LINKS: usize = 10_000;

/// Builds a `Value` from fuzz bytes: every Python type the library can return, with
/// small and big ints, floats from raw bits, strings with controls, non-ASCII, lone
/// surrogates (`push_code_point`) and astral characters, lists, dicts with unique keys,
/// and chains of nested containers up to the decoder's depth limit.
pub struct Builder<'a> {
    pub bytes: Bytes<'a>,
    nodes: usize,
    links: usize,
}

impl<'a> Builder<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Builder {
            bytes: Bytes::new(data),
            nodes: 0,
            links: 0,
        }
    }

    /// A value whose nesting (with the value itself as level 1) is at most `MAX_DEPTH`.
    pub fn value(&mut self) -> Value {
        self.node(MAX_DEPTH, 48)
    }

    /// `depth_left`: containers still allowed in total; `shape_left`: recursion allowed
    /// for ordinary containers (chains are built in a loop).
    fn node(&mut self, depth_left: usize, shape_left: usize) -> Value {
        self.nodes += 1;
        let tag = self.bytes.u8();
        let exhausted = self.bytes.is_empty() || self.nodes > MAX_NODES;
        let containers_ok = !exhausted && depth_left > 0 && shape_left > 0;
        match tag % 10 {
            0 => Value::None,
            1 => Value::Bool(tag & 0x80 != 0),
            2 => Value::Int(self.small_int()),
            3 => Value::Int(self.big_int()),
            4 => Value::Float(self.float()),
            5 | 6 => Value::Str(self.string()),
            7 if containers_ok => {
                let n = usize::from(self.bytes.u8() % 8);
                let items = (0..n)
                    .map(|_| self.node(depth_left - 1, shape_left - 1))
                    .collect();
                Value::List(List(items))
            }
            8 if containers_ok => {
                let n = usize::from(self.bytes.u8() % 8);
                let mut d = Dict::new();
                let mut seen = HashSet::new();
                for _ in 0..n {
                    let k = self.string();
                    let v = self.node(depth_left - 1, shape_left - 1);
                    // Keys must stay distinct after a round trip (pairs join).
                    if seen.insert(k.to_wtf8()) {
                        d.insert(k, v);
                    }
                }
                Value::Dict(d)
            }
            9 if containers_ok && self.links < MAX_CHAIN_LINKS => {
                // A chain: `n` single-item containers around a small value.
                // Zero bytes (the input ran out) give the cheapest choice.
                // Chains to the decoder's depth limit are slow to check under the
                // sanitizer, so they take a magic byte.
                let n = match self.bytes.u8() {
                    0xA5 => depth_left,
                    b if b % 8 == 6 => usize::from(self.bytes.u16()) % depth_left.min(1024) + 1,
                    _ => usize::from(self.bytes.u8()) % depth_left.min(64) + 1,
                }
                .min(MAX_CHAIN_LINKS - self.links);
                self.links += n;
                let kinds = self.bytes.u8();
                let mut v = self.node(depth_left - n, 2.min(shape_left - 1));
                for i in 0..n {
                    v = if kinds & (1 << (i % 8)) == 0 {
                        Value::List(List(vec![v]))
                    } else {
                        let mut d = Dict::new();
                        d.insert(PyStr::from("k"), v);
                        Value::Dict(d)
                    };
                }
                v
            }
            _ => Value::Str(PyStr::from("x")),
        }
    }

    fn small_int(&mut self) -> Int {
        match self.bytes.u8() % 4 {
            0 => Int::Small(i64::from(self.bytes.u8() as i8)),
            1 => Int::Small(self.bytes.u64() as i64),
            2 => Int::Small(
                [i64::MIN, i64::MAX, 0, -1, i64::MIN + 1][usize::from(self.bytes.u8() % 5)],
            ),
            _ => Int::Small(i64::from(self.bytes.u32() as i32)),
        }
    }

    /// An int with 19 to 4300 digits (Python's str/int conversion limit), built through
    /// the library's own canonical form (it may still fit an `i64`).
    fn big_int(&mut self) -> Int {
        let sel = self.bytes.u8();
        let len = match sel % 4 {
            0 => 19 + usize::from(self.bytes.u8() % 4),
            1 => 19 + usize::from(self.bytes.u8()),
            2 => 4300,
            _ => 19 + usize::from(self.bytes.u16()) % (4300 - 18),
        };
        let mut text = String::with_capacity(len + 1);
        if sel & 0x80 != 0 {
            text.push('-');
        }
        text.push(char::from(b'1' + self.bytes.u8() % 9));
        let mut seed = self.bytes.u32() | 1;
        for _ in 1..len {
            // A short xorshift run keeps long ints cheap in fuzz bytes.
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            text.push(char::from(b'0' + (seed % 10) as u8));
        }
        Int::parse_decimal(&text).expect("generated digits are an int")
    }

    fn float(&mut self) -> f64 {
        match self.bytes.u8() % 5 {
            0 => f64::from_bits(self.bytes.u64()),
            1 => SPECIAL_FLOATS[usize::from(self.bytes.u8()) % SPECIAL_FLOATS.len()],
            2 => f64::from(self.bytes.u32() as i32),
            3 => {
                let m = f64::from(self.bytes.u32() as i32);
                m / 10f64.powi(i32::from(self.bytes.u8() % 24))
            }
            _ => {
                let m = f64::from(self.bytes.u32() as i32);
                m * 10f64.powi(i32::from(self.bytes.u8() as i8) * 2)
            }
        }
    }

    pub fn string(&mut self) -> PyStr {
        let len = match self.bytes.u8() {
            n @ 0..=239 => usize::from(n % 24),
            _ => usize::from(self.bytes.u16() % 512),
        };
        let mut s = PyStr::new();
        for _ in 0..len {
            let class = self.bytes.u8();
            let cp = match class % 9 {
                0..=2 => 0x20 + u32::from(self.bytes.u8()) % 0x5F,
                3 => [0, 8, 9, 10, 12, 13, 0x1F, 0x7F][usize::from(self.bytes.u8() % 8)],
                4 => u32::from(b"\"\\/'$~{}"[usize::from(self.bytes.u8() % 8)]),
                5 => 0x80 + u32::from(self.bytes.u16()) % (0x10000 - 0x80),
                6 => 0xD800 + u32::from(self.bytes.u16()) % 0x800,
                7 => 0x10000 + self.bytes.u32() % 0x100000,
                // A surrogate pair as two code points: joined by a round trip.
                _ => {
                    s.push_code_point(0xD800 + u32::from(self.bytes.u16()) % 0x400);
                    0xDC00 + u32::from(self.bytes.u16()) % 0x400
                }
            };
            s.push_code_point(cp);
        }
        s
    }
}

/// Builds a value from fuzz bytes (see [`Builder`]).
pub fn build_value(data: &[u8]) -> Value {
    Builder::new(data).value()
}
