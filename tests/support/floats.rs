//! Floats worth hitting on purpose: the edges of Python `repr`'s positional/exponent
//! switch, the extremes, signed zero, non-finite values, halfway cases. Shared by the
//! property tests and the fuzz targets (`fuzz/src/lib.rs` includes this file).

pub const SPECIAL_FLOATS: &[f64] = &[
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.0,
    -0.0,
    1.0,
    -1.5,
    0.1,
    0.30000000000000004,
    1e15,
    1e16,
    9999999999999998.0,
    1.5e16,
    1e-4,
    1e-5,
    0.00012345,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    2.225073858507201e-308,
    1.7976931348623157e308,
    123456789.123,
    1e22,
    1e23,
    4.35,
    0.5,
];
