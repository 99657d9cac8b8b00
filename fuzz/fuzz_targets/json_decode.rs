//! `pyjson::loads` on arbitrary UTF-8 text (the library only ever decodes text): never
//! panics; a decoded value renders to ASCII JSON that decodes to an equal value and
//! renders again to the same bytes; `to_raw` works on it.
#![no_main]

use fuzz_common::check_round_trip;
use libfuzzer_sys::fuzz_target;
use prefect_secrets::testing::pyjson::{DecodeError, loads};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match loads(text.as_bytes()) {
        Ok(v) => check_round_trip(&v),
        Err(DecodeError::Syntax { pos, .. }) => {
            assert!(pos <= text.len(), "error position {pos} beyond the text");
        }
        Err(DecodeError::IntTooLong { digits }) => {
            assert!(digits > 4300, "IntTooLong with only {digits} digits");
        }
        Err(DecodeError::TooDeep) => {
            let opens = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
            assert!(opens > 10_000, "TooDeep with only {opens} brackets");
        }
    }
});
