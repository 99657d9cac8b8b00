//! Values built from fuzz bytes (every Python type `get` can return, lone surrogates,
//! big ints, NaN/inf/-0.0, nesting up to the decoder's limit): `to_json` is ASCII and
//! decodes with `loads` to an equal Python value; rendering is stable; `to_raw` of a
//! string is its WTF-8.
#![no_main]

use fuzz_common::{build_value, check_round_trip};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let v = build_value(data);
    check_round_trip(&v);
});
