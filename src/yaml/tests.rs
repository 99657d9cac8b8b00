//! Each document of tests/prefect3/yaml_cases.json read here and by PyYAML's
//! `yaml.safe_load` (tests/prefect3/yaml_expected.json, recorded by
//! tests/prefect3/record_yaml.py); each value read, and each of
//! tests/prefect3/yaml_values.json, written by `dump` and read back. (`dump`'s output
//! read by PyYAML itself: tests/yaml_pyyaml.rs.)

use super::*;
use crate::pyjson;
use crate::value::{Dict, List};

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string_lossy(),
        _ => panic!("expected text"),
    }
}

fn json(v: &Value) -> String {
    let mut out = Vec::new();
    pyjson::to_json(v, &mut out);
    String::from_utf8(out).unwrap()
}

fn dumped(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    dump(v, &mut out);
    out
}

fn list(bytes: &[u8]) -> List {
    match pyjson::loads(bytes).expect("JSON") {
        Value::List(l) => l,
        _ => panic!("a list"),
    }
}

/// Each case: its name, its document, and why this reader refuses it when PyYAML reads it.
fn cases() -> Vec<(String, String, Option<String>)> {
    list(include_bytes!("../../tests/prefect3/yaml_cases.json"))
        .0
        .iter()
        .map(|c| {
            let c = c.as_dict().expect("a case is an object");
            (
                text(c.get("name").unwrap()),
                text(c.get("yaml").unwrap()),
                c.get("differs").map(text),
            )
        })
        .collect()
}

fn expected() -> Dict {
    match pyjson::loads(include_bytes!("../../tests/prefect3/yaml_expected.json")) {
        Ok(Value::Dict(d)) => d,
        _ => panic!("the recording is a JSON object"),
    }
}

#[test]
fn every_recorded_case_reads_as_pyyaml_reads_it() {
    let cases = cases();
    let expected = expected();
    assert_eq!(cases.len(), expected.len(), "every case recorded");
    let (mut same, mut refused, mut differs) = (0, 0, 0);
    for (name, yaml, why_not) in &cases {
        let want = expected
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{name}: not recorded"))
            .as_dict()
            .unwrap();
        let got = load(yaml.as_bytes());
        match (want.get("json"), why_not, got) {
            (Some(want), None, Ok(v)) => {
                assert_eq!(json(&v), text(want), "{name}");
                same += 1;
            }
            (Some(_), None, Err(e)) => panic!("{name}: PyYAML reads it; here: {}", e.message),
            (None, None, Ok(v)) => {
                panic!(
                    "{name}: PyYAML gives {want:?}; here it reads as {}",
                    json(&v)
                )
            }
            (None, Some(_), _) => panic!("{name}: marked as differing, but PyYAML refuses it too"),
            (Some(_), Some(why), Ok(v)) => panic!(
                "{name}: marked as differing ({why}), but read as {} (same as PyYAML: {}); drop \
                 the mark",
                json(&v),
                json(&v) == text(want.get("json").unwrap())
            ),
            (_, _, Err(e)) => {
                // Refused (as PyYAML refuses it, or as the value model cannot hold it, or
                // as a known difference): the place and the kind, never a value.
                assert!(e.message.contains(", line "), "{name}: {}", e.message);
                assert!(!e.message.contains("SECRET"), "{name}: {}", e.message);
                if why_not.is_some() {
                    differs += 1;
                } else {
                    refused += 1;
                }
            }
        }
    }
    assert!(
        same >= 40 && refused >= 40 && differs >= 5,
        "{same} {refused} {differs}"
    );
}

/// The values of the accepted cases and of tests/prefect3/yaml_values.json.
fn values() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = cases()
        .into_iter()
        .filter_map(|(name, yaml, _)| Some((name, load(yaml.as_bytes()).ok()?)))
        .collect();
    for v in &list(include_bytes!("../../tests/prefect3/yaml_values.json")).0 {
        let v = v.as_dict().unwrap();
        out.push((
            text(v.get("name").unwrap()),
            v.get("value").unwrap().clone(),
        ));
    }
    out
}

#[test]
fn what_is_written_reads_back_the_same() {
    let mut surrogates = 0;
    for (name, v) in values() {
        let yaml = dumped(&v);
        assert!(yaml.ends_with(b"\n"), "{name}");
        match load(&yaml) {
            Ok(back) => assert_eq!(json(&back), json(&v), "{name}"),
            // A lone surrogate is written as its `\u` escape, which PyYAML reads back
            // (tests/yaml_pyyaml.rs) and the parser refuses.
            Err(e) if json(&v).contains("\\ud") => {
                assert!(e.message.contains("escape"), "{name}: {}", e.message);
                surrogates += 1;
            }
            Err(e) => panic!("{name}: {}\n{}", e.message, String::from_utf8_lossy(&yaml)),
        }
    }
    assert_eq!(surrogates, 1);
}

#[test]
fn how_it_is_written() {
    let v = load(b"a: [1, {b: x, c: []}, [2, 3]]\nd: {}\ne: 1.0e+16\nf: .nan\ng: -.inf\n").unwrap();
    assert_eq!(
        String::from_utf8(dumped(&v)).unwrap(),
        "\"a\":\n  - 1\n  - \"b\": \"x\"\n    \"c\": []\n  - - 2\n    - 3\n\"d\": {}\n\
         \"e\": 1.0e+16\n\"f\": .nan\n\"g\": -.inf\n"
    );
    let s = Value::str("\u{0}\t\"\\\u{7f}\u{85}\u{a0}\u{2028}\u{feff}é\u{1F600}");
    assert_eq!(
        String::from_utf8(dumped(&s)).unwrap(),
        "\"\\0\\t\\\"\\\\\\x7F\\N\u{a0}\\L\\uFEFFé\u{1F600}\"\n"
    );
    let mut long = Dict::new();
    long.insert(crate::pystr::PyStr::from("k".repeat(1001)), Value::None);
    let out = dumped(&Value::Dict(long));
    assert!(out.starts_with(b"? \"kkk") && out.ends_with(b"\"\n: null\n"));
}

#[test]
fn nesting_and_expansion_are_bounded() {
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    let e = load(deep.as_bytes()).unwrap_err();
    assert!(e.message.contains("levels deep"), "{}", e.message);
    // Block nesting far deeper: refused, without recursing on the stack.
    let deep = format!("{}x\n", "- ".repeat(100_000));
    let e = load(deep.as_bytes()).unwrap_err();
    assert!(e.message.contains("levels deep"), "{}", e.message);
    // Aliases that nest: 150 levels of text, each level an alias of the one before.
    let mut chain = String::from("a0: &a0 [[[[[[[[[[x]]]]]]]]]]\n");
    for i in 1..30 {
        chain.push_str(&format!("a{i}: &a{i} [[[[[[[[[[*a{}]]]]]]]]]]\n", i - 1));
    }
    let e = load(chain.as_bytes()).unwrap_err();
    assert!(
        e.message.contains("once aliases are expanded"),
        "{}",
        e.message
    );
    // A chain of merges, each overriding one key: quadratic work if each level copied
    // all the pairs before it; here each mapping is flattened once.
    let mut merges = String::from("m0: &m0 {key: 0}\n");
    for i in 1..3000 {
        merges.push_str(&format!("m{i}: &m{i} {{<<: *m{}, key: {i}}}\n", i - 1));
    }
    let started = std::time::Instant::now();
    let e = load(merges.as_bytes()).unwrap_err();
    assert!(e.message.contains("budget"), "{}", e.message);
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn writing_deep_values_is_iterative_and_linear() {
    let mut v = Value::Int(crate::value::Int::Small(1));
    for i in 0..200_000 {
        v = if i % 2 == 0 {
            Value::List(List(vec![v]))
        } else {
            let mut d = Dict::new();
            d.insert(crate::pystr::PyStr::from("k"), v);
            Value::Dict(d)
        };
    }
    let out = dumped(&v);
    // Block style for the first levels, then one line of flow style.
    assert!(out.len() < 200_000 * 8, "{}", out.len());
    assert!(out.iter().filter(|&&b| b == b'\n').count() <= 32);
}
