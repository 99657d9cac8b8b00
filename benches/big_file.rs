//! `cargo bench --bench big_file`: loading big user files (issue 19), generated here
//! (never committed): 40,000 keys, 400,000 small tables in an array of tables, and a
//! 16 MiB file (the cap) mixing keys, tables and arrays of tables; with the peak memory of
//! the command line loading each. Apart from `benches/get.rs` so that its files are made
//! only when it runs. Figures and how to read them: BENCHMARKS.md.

#[path = "../tests/support/big_config.rs"]
mod big_config;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use prefect_secrets::testing::config::host::Environment;
use prefect_secrets::testing::store::Store;
use prefect_secrets::testing::sys;

/// Loading a big user file (issue 19): 40,000 keys (three quarters plain secrets, the
/// rest in two-key tables), 400,000 one-key tables in an array of tables (`[[a]]`), and a
/// 16 MiB file (the cap) mixing plain keys, tables and arrays of tables. The files are
/// generated here, each in its own `$HOME`, and removed after. Criterion times the load
/// (not the drop). First, the peak memory of `prefect-secrets get x` loading each file is
/// printed (unix): before this process loads any, since on Linux a child's peak counts
/// its parent's from before the child's `exec`.
fn big_file(cr: &mut Criterion) {
    let root =
        std::env::temp_dir().join(format!("prefect-secrets-bench-big-{}", std::process::id()));
    let cap = usize::try_from(prefect_secrets::testing::files::CONFIG_FILE_CAP).unwrap();
    let files: [(&str, &dyn Fn() -> String); 3] = [
        ("40,000 keys", &|| big_config::keys(40_000)),
        ("400,000 [[a]] tables", &|| {
            big_config::array_of_tables(400_000)
        }),
        ("16 MiB: keys, tables, arrays of tables", &|| {
            big_config::mixed(cap)
        }),
    ];
    let mut homes = Vec::new();
    for (i, (name, make)) in files.iter().enumerate() {
        let home = root.join(i.to_string());
        std::fs::create_dir_all(home.join(".prefect")).unwrap();
        let text = make();
        std::fs::write(home.join(".prefect/config.toml"), &text).unwrap();
        #[cfg(unix)]
        {
            let (code, peak) = big_config::peak_memory(
                std::process::Command::new(env!("CARGO_BIN_EXE_prefect-secrets"))
                    .args(["get", "x"])
                    .env_clear()
                    .env("HOME", &home)
                    .stdout(std::process::Stdio::null()),
            );
            assert_eq!(code, Some(1), "{name}: prefect-secrets get x");
            eprintln!(
                "big_file/{name}: {:.1} MB file, peak memory of `prefect-secrets get x`: {:.0} MB",
                text.len() as f64 / 1e6,
                peak as f64 / 1e6
            );
        }
        homes.push((*name, home));
    }
    let mut g = cr.benchmark_group("big_file");
    g.sample_size(10);
    for (name, home) in homes {
        let env = Environment::from_pairs([("HOME", home.to_str().unwrap())]);
        let store = Store::with_env(env.clone(), sys::accounts());
        assert!(store.read(|_| Ok(())).is_ok(), "{name}: not loaded");
        drop(store);
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let store = Store::with_env(env.clone(), sys::accounts());
                    total += start.elapsed();
                    drop(black_box(store));
                }
                total
            })
        });
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&root);
}

criterion_group!(benches, big_file);
criterion_main!(benches);
