//! A YAML template as `inject` reads it (PyYAML's `safe_load` rules over saphyr-parser's
//! events): never panics, hangs or grows without bound (aliases, merges and nesting are
//! capped), and whatever it accepts is written back (`dump`) as YAML that reads back to
//! the same value (compared as Python's `json.dumps` writes it, so NaN equals NaN).
#![no_main]

use libfuzzer_sys::fuzz_target;
use prefect_secrets::testing::pyjson::to_json;
use prefect_secrets::testing::yaml::{dump, load};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = load(data) else {
        return;
    };
    let mut yaml = Vec::new();
    dump(&value, &mut yaml);
    let back = load(&yaml).unwrap_or_else(|e| {
        panic!("a dump does not load back ({e}):\n{}", String::from_utf8_lossy(&yaml))
    });
    let (mut a, mut b) = (Vec::new(), Vec::new());
    to_json(&value, &mut a);
    to_json(&back, &mut b);
    assert!(a == b, "the dump loads back to another value");
});
