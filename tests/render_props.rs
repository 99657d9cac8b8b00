//! Property tests of the JSON renderer (`to_json`, `to_raw`) and decoder (`loads`).
//!
//! - Random `Value` trees (None, bool, small and big ints, floats with NaN/±inf/-0.0 and
//!   raw bit patterns, strings with controls, non-ASCII, lone surrogates and surrogate
//!   pairs, lists, dicts) render to ASCII JSON that `loads` reads back as an equal Python
//!   value; `to_raw` of a string is its WTF-8.
//! - Against real Python (`python3`, stdlib `json` only): a few thousand values rendered
//!   by `to_json` must come back byte for byte from `json.dumps(json.loads(line),
//!   separators=(",", ":"))`; and text variants of them (other whitespace, escapes,
//!   number spellings, raw non-ASCII, random corruption) must decode in both or fail in
//!   both, to the same value. Without `python3` those tests print `SKIPPED` to stderr.
//!
//! Every test uses a fixed seed (XorShift: ChaCha, unoptimized in a debug build, took
//! three quarters of the time), so runs are reproducible; `PROPTEST_CASES` scales the
//! number of cases.
//!
//! "Equal as Python values": bool, int and float are distinct; NaN equals NaN; -0.0 and
//! 0.0 differ (the sign is in the rendering); dict keys compare in order. A string that
//! holds a surrogate pair as two code points comes back as the one character they
//! encode, as it does in Python (`json.loads(json.dumps("\ud83d\ude00"))` is `"😀"`), so
//! strings compare after joining pairs (their WTF-8).

use std::collections::HashSet;
use std::io::Write;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

use prefect_secrets::testing::pyjson::decode::{DecodeError, INT_MAX_STR_DIGITS, MAX_DEPTH};
use prefect_secrets::testing::pyjson::{loads, to_json, to_raw};
use prefect_secrets::testing::pystr::PyStr;
use prefect_secrets::testing::value::{Dict, Int, List, Value};

mod support;
use support::pyvalue;

// ---------------------------------------------------------------------------------------
// Helpers

fn render(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    to_json(v, &mut out);
    out
}

fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// At most `max` characters of a failure line.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => format!("{}... ({} bytes)", &s[..at], s.len()),
        None => s.to_owned(),
    }
}

/// Equality as Python values after a round trip: dict keys keep their order.
fn py_eq(a: &Value, b: &Value) -> bool {
    pyvalue::same_with(a, b, pyvalue::KeyOrder::Kept)
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A runner with a fixed seed and no failure files (a failure prints the JSON instead).
fn runner(default_cases: u32) -> TestRunner {
    let config = Config {
        cases: cases(default_cases),
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::XorShift))
}

/// `n` values from `strategy`, deterministically.
fn sample<T: std::fmt::Debug>(strategy: impl Strategy<Value = T>, n: usize) -> Vec<T> {
    let mut r = runner(1);
    (0..n)
        .map(|_| strategy.new_tree(&mut r).expect("a value").current())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Strategies

/// One or two code points (two: a surrogate pair kept as two code points).
fn code_points() -> impl Strategy<Value = Vec<u32>> {
    let one = |s: std::ops::Range<u32>| s.prop_map(|c| vec![c]);
    prop_oneof![
        6 => one(0x20..0x7F),
        1 => one(0x00..0x20),
        1 => prop::sample::select(vec![0x22u32, 0x5C, 0x2F, 0x7F, 0x80, 0x9F, 0xA0, 0xFF])
            .prop_map(|c| vec![c]),
        2 => one(0x80..0x800),
        2 => one(0x800..0x10000),
        1 => one(0xD800..0xE000),
        2 => one(0x10000..0x110000),
        1 => (0xD800u32..0xDC00, 0xDC00u32..0xE000).prop_map(|(h, l)| vec![h, l]),
        1 => prop::sample::select(vec![0xFFFFu32, 0xFFFE, 0xFEFF, 0x2028, 0x2029, 0x10FFFF])
            .prop_map(|c| vec![c]),
    ]
}

fn py_str() -> impl Strategy<Value = PyStr> {
    prop::collection::vec(code_points(), 0..20).prop_map(|parts| {
        let mut s = PyStr::new();
        for c in parts.into_iter().flatten() {
            s.push_code_point(c);
        }
        s
    })
}

/// Digits from a seed (xorshift), so long ints cost little to generate and shrink.
fn digits(neg: bool, first: u8, len: usize, mut seed: u64) -> String {
    let mut text = String::with_capacity(len + 1);
    if neg {
        text.push('-');
    }
    text.push(char::from(b'0' + first));
    seed |= 1;
    for _ in 1..len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        text.push(char::from(b'0' + (seed % 10) as u8));
    }
    text
}

fn int() -> impl Strategy<Value = Int> {
    prop_oneof![
        3 => any::<i64>().prop_map(Int::Small),
        3 => (-1000i64..1000).prop_map(Int::Small),
        1 => prop::sample::select(vec![
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551616",
            "-18446744073709551616",
        ])
        .prop_map(|t| Int::parse_decimal(t).expect("an int")),
        2 => (
            any::<bool>(),
            1u8..=9,
            prop_oneof![4 => 19usize..45, 1 => 45usize..600, 1 => Just(INT_MAX_STR_DIGITS)],
            any::<u64>(),
        )
            .prop_map(|(neg, first, len, seed)| {
                Int::parse_decimal(&digits(neg, first, len, seed)).expect("an int")
            }),
    ]
}

use support::floats::SPECIAL_FLOATS;

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        2 => any::<f64>(),
        2 => any::<u64>().prop_map(f64::from_bits),
        2 => prop::sample::select(SPECIAL_FLOATS.to_vec()),
        2 => (any::<i32>(), 0i32..25).prop_map(|(m, e)| f64::from(m) / 10f64.powi(e)),
        1 => (any::<i32>(), -160i32..160).prop_map(|(m, e)| f64::from(m) * 10f64.powi(e)),
        1 => (-(1i64 << 53)..(1i64 << 53)).prop_map(|i| i as f64),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::None),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => int().prop_map(Value::Int),
        3 => float().prop_map(Value::Float),
        4 => py_str().prop_map(Value::Str),
    ]
}

/// Dict keys distinct after a round trip (a pair and its character are the same key).
fn dict_of(entries: Vec<(PyStr, Value)>) -> Value {
    let mut d = Dict::new();
    let mut seen = HashSet::new();
    for (k, v) in entries {
        if seen.insert(k.to_wtf8()) {
            d.insert(k, v);
        }
    }
    Value::Dict(d)
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(|v| Value::List(List(v))),
            prop::collection::vec((py_str(), inner), 0..8).prop_map(dict_of),
        ]
    })
}

/// `n` single-item lists and dicts around `v`; bit `i % 64` of `kinds` picks level `i`'s
/// kind, counting from the innermost.
fn chain(v: Value, n: usize, kinds: u64) -> Value {
    let mut v = v;
    for i in 0..n {
        v = if kinds >> (i % 64) & 1 == 0 {
            Value::List(List(vec![v]))
        } else {
            let mut d = Dict::new();
            d.insert(PyStr::from("k"), v);
            Value::Dict(d)
        };
    }
    v
}

// ---------------------------------------------------------------------------------------
// Properties in Rust alone

fn check_round_trip(v: &Value) -> Result<(), TestCaseError> {
    let json = render(v);
    prop_assert!(json.is_ascii(), "non-ASCII JSON: {}", shown(&json));
    let back = match loads(&json) {
        Ok(back) => back,
        Err(e) => return Err(TestCaseError::fail(format!("{e}: {}", shown(&json)))),
    };
    prop_assert!(
        py_eq(v, &back),
        "round trip changed the value: {}",
        shown(&json)
    );
    let again = render(&back);
    prop_assert!(
        again == json,
        "unstable rendering: {} then {}",
        shown(&json),
        shown(&again)
    );
    let raw = to_raw(v);
    match v {
        Value::Str(s) => prop_assert_eq!(raw, s.to_wtf8()),
        _ => prop_assert!(raw == json, "to_raw of a non-str is not its JSON"),
    }
    Ok(())
}

#[test]
fn values_round_trip_through_json() {
    runner(3000)
        .run(&value(), |v| check_round_trip(&v))
        .unwrap();
}

#[test]
fn strings_render_as_wtf8_and_ascii_json() {
    runner(3000)
        .run(&py_str(), |s| {
            let v = Value::Str(s.clone());
            check_round_trip(&v)?;
            let wtf8 = s.to_wtf8();
            prop_assert_eq!(to_raw(&v), wtf8.clone());
            // WTF-8 is UTF-8 exactly when no lone surrogate is left after joining pairs.
            let joined: Vec<u32> = {
                let mut out = Vec::new();
                let cps: Vec<u32> = s.code_points().collect();
                let mut i = 0;
                while i < cps.len() {
                    let (c, next) = (cps[i], cps.get(i + 1).copied());
                    match next {
                        Some(l)
                            if (0xD800..0xDC00).contains(&c) && (0xDC00..0xE000).contains(&l) =>
                        {
                            out.push(0x10000 + ((c - 0xD800) << 10) + (l - 0xDC00));
                            i += 2;
                        }
                        _ => {
                            out.push(c);
                            i += 1;
                        }
                    }
                }
                out
            };
            let lone = joined.iter().any(|c| (0xD800..0xE000).contains(c));
            prop_assert_eq!(std::str::from_utf8(&wtf8).is_ok(), !lone);
            if !lone {
                let text: String = joined.iter().map(|&c| char::from_u32(c).unwrap()).collect();
                prop_assert_eq!(wtf8, text.into_bytes());
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn deep_chains_round_trip_up_to_the_depth_limit() {
    let strategy = (leaf(), 1usize..=MAX_DEPTH, any::<u64>());
    runner(24)
        .run(&strategy, |(v, n, kinds)| {
            check_round_trip(&chain(v, n, kinds))
        })
        .unwrap();
    // The limit itself: MAX_DEPTH levels decode, one more is refused (Python refuses far
    // earlier, with RecursionError).
    for kinds in [0, u64::MAX, 0x5555_5555_5555_5555] {
        let at_limit = chain(Value::Int(Int::Small(1)), MAX_DEPTH, kinds);
        check_round_trip(&at_limit).unwrap();
        let beyond = chain(Value::None, MAX_DEPTH + 1, kinds);
        assert_eq!(loads(&render(&beyond)).err(), Some(DecodeError::TooDeep));
    }
}

// ---------------------------------------------------------------------------------------
// Against Python

/// Reads hex-encoded text lines (UTF-8 with lone surrogates allowed, as the library's
/// own strings), and for each prints `OK <json.dumps(json.loads(text), separators=(",",
/// ":"))>`, `SYNTAX` (JSONDecodeError), `VALUE` (ValueError: int digit limit) or `OTHER`.
/// The first line is Python's version and int digit limit.
const PY_SCRIPT: &str = r#"
import json, sys
print(sys.version_info[:3], getattr(sys.int_info, "default_max_str_digits", None))
with open(sys.argv[1], "rb") as f:
    for line in f.read().split(b"\n")[:-1]:
        text = bytes.fromhex(line.decode("ascii")).decode("utf-8", "surrogatepass")
        try:
            out = "OK " + json.dumps(json.loads(text), separators=(",", ":"))
        except json.JSONDecodeError:
            out = "SYNTAX"
        except ValueError:
            out = "VALUE"
        except Exception as e:
            out = "OTHER " + type(e).__name__
        print(out)
"#;

/// Whether `python3` runs; if not, says so loudly on the real stderr (not the test
/// harness's captured output, so the message shows even when the test passes).
fn python3_available(test: &str) -> bool {
    let probe = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let found = probe.is_ok_and(|s| s.success());
    if !found {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: python3 not found; {test} did not compare with Python's json ***\n"
        );
    }
    found
}

/// Runs `PY_SCRIPT` on `texts`: Python's version line and one outcome per text.
fn python_outcomes(texts: &[Vec<u8>], test: &str) -> (String, Vec<String>) {
    let path = std::env::temp_dir().join(format!(
        "prefect-secrets-render-props-{}-{test}.txt",
        std::process::id()
    ));
    {
        let mut f = std::fs::File::create(&path).expect("create the temporary file");
        let mut buf = String::new();
        for t in texts {
            buf.clear();
            for b in t {
                buf.push_str(&format!("{b:02x}"));
            }
            buf.push('\n');
            f.write_all(buf.as_bytes())
                .expect("write the temporary file");
        }
    }
    let out = Command::new("python3")
        .args(["-I", "-c", PY_SCRIPT])
        .arg(&path)
        .output()
        .expect("run python3");
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("python3 prints ASCII");
    let mut lines = stdout.lines().map(str::to_owned);
    let version = lines.next().expect("a version line");
    let outcomes: Vec<String> = lines.collect();
    assert_eq!(outcomes.len(), texts.len(), "python3 answered every line");
    (version, outcomes)
}

/// Our side of `PY_SCRIPT`.
fn our_outcome(text: &[u8]) -> String {
    match loads(text) {
        Ok(v) => format!("OK {}", shown(&render(&v))),
        Err(DecodeError::Syntax { .. }) => "SYNTAX".into(),
        Err(DecodeError::IntTooLong { .. }) => "VALUE".into(),
        // Python raises RecursionError near 1000 levels; these tests stay far below.
        Err(DecodeError::TooDeep) => "OTHER RecursionError".into(),
    }
}

#[test]
fn python_dumps_our_json_byte_for_byte() {
    if !python3_available("python_dumps_our_json_byte_for_byte") {
        return;
    }
    let values = sample(value(), cases(3000) as usize);
    let texts: Vec<Vec<u8>> = values.iter().map(render).collect();
    let (version, outcomes) = python_outcomes(&texts, "dumps");
    let mut failures = Vec::new();
    for ((v, ours), theirs) in values.iter().zip(&texts).zip(&outcomes) {
        let ours_line = format!("OK {}", shown(ours));
        if *theirs != ours_line {
            failures.push(format!("ours:   {ours_line}\npython: {theirs}"));
            continue;
        }
        // Python's rendering, read back by us, is the value we started from.
        match loads(ours) {
            Ok(back) if py_eq(v, &back) => {}
            _ => failures.push(format!("round trip changed the value: {ours_line}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} values differ from Python {version}:\n{}",
        failures.len(),
        values.len(),
        failures
            .iter()
            .take(10)
            .map(|f| clip(f, 600))
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!("compared {} values with Python {version}", values.len());
}

/// A tiny deterministic generator for the text variants.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn push_cp(cp: u32, out: &mut Vec<u8>) {
    let mut s = PyStr::new();
    s.push_code_point(cp);
    out.extend_from_slice(s.as_bytes());
}

fn push_u_escape(cp: u32, upper: bool, out: &mut Vec<u8>) {
    if upper {
        out.extend_from_slice(format!("\\u{cp:04X}").as_bytes());
    } else {
        out.extend_from_slice(format!("\\u{cp:04x}").as_bytes());
    }
}

fn variant_str(s: &PyStr, rng: &mut Rng, out: &mut Vec<u8>) {
    out.push(b'"');
    for cp in s.code_points() {
        let escape = rng.below(3) == 0;
        let upper = rng.below(2) == 0;
        match cp {
            0x22 | 0x5C if !escape => {
                out.push(b'\\');
                out.push(cp as u8);
            }
            0x2F if rng.below(2) == 0 => out.extend_from_slice(b"\\/"),
            0x08 | 0x0C | 0x0A | 0x0D | 0x09 if !escape => {
                out.push(b'\\');
                out.push(match cp {
                    0x08 => b'b',
                    0x0C => b'f',
                    0x0A => b'n',
                    0x0D => b'r',
                    _ => b't',
                });
            }
            0x00..=0x1F | 0x22 | 0x5C => push_u_escape(cp, upper, out),
            0x10000.. if escape => {
                let v = cp - 0x10000;
                push_u_escape(0xD800 | (v >> 10), upper, out);
                push_u_escape(0xDC00 | (v & 0x3FF), upper, out);
            }
            _ if escape => push_u_escape(cp, upper, out),
            // Raw, lone surrogates included (as the library's own strings hold them).
            _ => push_cp(cp, out),
        }
    }
    out.push(b'"');
}

fn variant_float(f: f64, rng: &mut Rng) -> String {
    if !f.is_finite() {
        let mut out = Vec::new();
        to_json(&Value::Float(f), &mut out);
        return shown(&out);
    }
    match rng.below(5) {
        0 => format!("{f:e}"),
        1 => {
            let e = *rng.pick(&["E", "E+", "e"]);
            format!("{f:E}").replace('E', e)
        }
        2 => format!("{f:.3e}"),
        3 if f.fract() == 0.0 && f.abs() < 1e18 => format!("{f:.0}"),
        _ => shown(&render(&Value::Float(f))),
    }
}

/// Another spelling of `v`'s JSON: whitespace, escapes, number forms, raw non-ASCII.
fn variant(v: &Value, rng: &mut Rng, out: &mut Vec<u8>) {
    let ws = |rng: &mut Rng, out: &mut Vec<u8>| {
        if rng.below(3) == 0 {
            out.extend_from_slice(
                rng.pick(&[" ", "\t", "\n", "\r", "\r\n  ", " \t"])
                    .as_bytes(),
            );
        }
    };
    ws(rng, out);
    match v {
        Value::Str(s) => variant_str(s, rng, out),
        Value::Float(f) => out.extend_from_slice(variant_float(*f, rng).as_bytes()),
        Value::Int(Int::Small(0)) if rng.below(2) == 0 => out.extend_from_slice(b"-0"),
        Value::List(l) => {
            out.push(b'[');
            for (i, x) in l.0.iter().enumerate() {
                if i > 0 {
                    ws(rng, out);
                    out.push(b',');
                }
                variant(x, rng, out);
            }
            ws(rng, out);
            out.push(b']');
        }
        Value::Dict(d) => {
            out.push(b'{');
            for (i, (k, x)) in d.iter().enumerate() {
                if i > 0 {
                    ws(rng, out);
                    out.push(b',');
                }
                ws(rng, out);
                variant_str(k, rng, out);
                ws(rng, out);
                out.push(b':');
                variant(x, rng, out);
            }
            // Sometimes a duplicate key: the first position, the last value.
            if let Some((k, _)) = d.iter().next() {
                if rng.below(4) == 0 {
                    out.extend_from_slice(b",");
                    variant_str(k, rng, out);
                    out.extend_from_slice(b":null");
                }
            }
            ws(rng, out);
            out.push(b'}');
        }
        other => out.extend_from_slice(&render(other)),
    }
    ws(rng, out);
}

/// One ASCII edit (replace, insert or delete), so the text stays generalized UTF-8.
fn corrupt(text: &mut Vec<u8>, rng: &mut Rng) {
    const ALPHABET: &[u8] = b"[]{}\",:\\/ -+.0123456789eEuntrfalsNIy\t\x01\x0b\x0c\x7f";
    let ascii_positions: Vec<usize> = (0..=text.len())
        .filter(|&i| text.get(i).is_none_or(|b| b.is_ascii()))
        .collect();
    let at = *rng.pick(&ascii_positions);
    let c = *rng.pick(ALPHABET);
    match rng.below(3) {
        0 if at < text.len() => text[at] = c,
        1 if at < text.len() => {
            text.remove(at);
        }
        _ => text.insert(at, c),
    }
}

#[test]
fn python_decodes_text_variants_like_loads() {
    if !python3_available("python_decodes_text_variants_like_loads") {
        return;
    }
    let n = cases(3000) as usize;
    let seeds = sample((value(), any::<u64>()), n);
    let mut texts = Vec::with_capacity(n + 64);
    for (v, seed) in &seeds {
        let mut rng = Rng(seed | 1);
        let mut text = Vec::new();
        variant(v, &mut rng, &mut text);
        if rng.below(5) == 0 {
            for _ in 0..=rng.below(2) {
                corrupt(&mut text, &mut rng);
            }
        }
        texts.push(text);
    }
    // Fixed edge cases.
    for t in [
        "",
        " ",
        "\u{feff}1",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "[1,]",
        "{\"a\":1,}",
        "nan",
        "NaN",
        "-NaN",
        "Infinity",
        "-Infinity",
        "+1",
        "1 2",
        "\"\\ud800\\udc00\"",
        "\"\\udc00\\ud800\"",
        "\"\\ud800\\u0041\"",
        "\"\\ud800\\uzzzz\"",
        "\"\\u12\"",
        "\"a\tb\"",
        "\"\\x41\"",
        "\"\\'\"",
        "\u{a0}1",
        "\x0c1",
        "1e400",
        "-1e400",
        "1e-400",
        "-0.0",
        "-0",
        "1E5",
        "0.30000000000000004441",
        "[[[[[[[[[[]]]]]]]]]]",
        "{\"a\" : [ ] , \"b\":{ }}",
        "123456789012345678901234567890.5e-10",
        "\"\u{10ffff}\"",
        "\"\\uDBFF\\uDFFF\"",
    ] {
        texts.push(t.as_bytes().to_vec());
    }
    texts.push("7".repeat(INT_MAX_STR_DIGITS).into_bytes());
    texts.push(format!("-{}", "7".repeat(INT_MAX_STR_DIGITS)).into_bytes());
    texts.push("7".repeat(INT_MAX_STR_DIGITS + 1).into_bytes());
    texts.push(format!("[{}.5]", "7".repeat(INT_MAX_STR_DIGITS + 1)).into_bytes());
    let (version, outcomes) = python_outcomes(&texts, "variants");
    let int_limit = version.ends_with(&format!(" {INT_MAX_STR_DIGITS}"));
    if !int_limit {
        eprintln!(
            "note: Python {version} has no 4300-digit int limit; those texts are not compared"
        );
    }
    let mut failures = Vec::new();
    let mut decoded = 0;
    for (text, theirs) in texts.iter().zip(&outcomes) {
        let ours = our_outcome(text);
        decoded += usize::from(ours.starts_with("OK"));
        if !int_limit && (ours == "VALUE" || theirs == "VALUE") {
            continue;
        }
        if ours != *theirs {
            failures.push(format!(
                "text:   {}\nours:   {ours}\npython: {theirs}",
                shown(text).escape_debug()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} texts decode differently from Python {version}:\n{}",
        failures.len(),
        texts.len(),
        failures
            .iter()
            .take(10)
            .map(|f| clip(f, 600))
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "compared {} texts ({decoded} valid JSON) with Python {version}",
        texts.len()
    );
}
