//! A big user file loads in time that grows with its size, not faster (issue 19: loading
//! once counted the lines before every key, so 40,000 keys took 19 s). Memory:
//! `tests/big_config_memory.rs`.
//!
//! Not timed against a clock (the machines that run the tests are shared and noisy): the
//! test compares two sizes.

mod support;

use std::time::{Duration, Instant};

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::resolve::{self, Format};
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;

use support::big_config;
use support::tempdir::TempDir;

/// How long loading the configuration with `text` as the user file takes (the file is
/// written before the clock starts), checked to have loaded.
fn load_time(dir: &TempDir, text: &str) -> Duration {
    // `/` separators: a `\` in a PREFECT__ value starts an escape (as in Prefect).
    let path = dir
        .write("config.toml", text)
        .to_str()
        .unwrap()
        .replace('\\', "/");
    let env = Environment::from_pairs([
        ("HOME", dir.text().as_str()),
        ("PREFECT__USER_CONFIG_PATH", path.as_str()),
    ]);
    let start = Instant::now();
    let store = Store::with_env(env, sys::accounts());
    let elapsed = start.elapsed();
    let got = resolve::get(&store, "k0", Format::Text, <[u8]>::to_vec).unwrap();
    assert_eq!(got.as_deref(), Some(&b"value-0"[..]));
    elapsed
}

/// Four times the keys take less than eight times as long (linear: 4x; quadratic: 16x;
/// it was 21x for 10,000 and 40,000 keys). The fastest of three runs of each size,
/// alternating, so that a pause of the machine does not count. In a release build
/// 40,000 keys load in a few tenths of a second (BENCHMARKS.md).
#[test]
fn load_time_grows_linearly_with_the_keys() {
    const SMALL: usize = 5_000;
    let dir = TempDir::new("big-config-time");
    let (small, big) = (big_config::keys(SMALL), big_config::keys(4 * SMALL));
    let mut best = [Duration::MAX; 2];
    for _ in 0..3 {
        for (i, text) in [&small, &big].into_iter().enumerate() {
            best[i] = best[i].min(load_time(&dir, text));
        }
    }
    let ratio = best[1].as_secs_f64() / best[0].as_secs_f64();
    assert!(
        ratio < 8.0,
        "{SMALL} keys: {:?}, {} keys: {:?} ({ratio:.1}x)",
        best[0],
        4 * SMALL,
        best[1]
    );
}
