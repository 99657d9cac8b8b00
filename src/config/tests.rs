//! The loader end to end on small inputs; the conformance cases (tests/golden.rs) hold
//! the full matrix checked against Prefect 0.5.3.

use super::host::{Environment, Host, NoAccounts};
use super::*;
use crate::pyjson::to_json;

/// `secret_config_load_file`: another file merged over `current`, loaded exactly like the
/// user file (environment overrides apply to it too).
pub fn load_file_over(current: &Built, path: &str, host: &Host) -> Result<Built, ConfigError> {
    merge_loaded(current, load_path(&PyStr::from(path), host)?)
}

fn json_at(config: &Dict, path: &[&str]) -> String {
    let mut v = &Value::Dict(config.clone());
    for k in path {
        v = v.as_dict().and_then(|d| d.get(k)).unwrap_or(&Value::None);
    }
    let mut out = Vec::new();
    to_json(v, &mut out);
    String::from_utf8(out).unwrap()
}

/// The configuration alone, without its sources.
fn startup(host: &Host) -> Result<Dict, ConfigError> {
    load_startup(host).map(|built| built.config)
}

fn with_env<R>(pairs: &[(&str, &str)], f: impl FnOnce(&Host) -> R) -> R {
    with_caps(Limits::DEFAULT, pairs, f)
}

/// Caps a test reaches in milliseconds, in the defaults' proportions (a value may grow to
/// a quarter of the total): 64 KiB a value, 256 KiB in all.
pub const SMALL: Limits = Limits {
    value_bytes: 64 << 10,
    config_bytes: 256 << 10,
    file_bytes: 64 << 10,
};

fn with_caps<R>(limits: Limits, pairs: &[(&str, &str)], f: impl FnOnce(&Host) -> R) -> R {
    let env = Environment::from_pairs(pairs.iter().copied());
    f(&Host {
        env: &env,
        accounts: &NoAccounts,
        limits,
    })
}

/// The caps production loads with (`Store::with_env`, `Store::from_process`) are the
/// documented ones; every other cap test runs with [`SMALL`] ones.
#[test]
fn production_loads_with_the_documented_caps() {
    assert_eq!(
        Limits::DEFAULT,
        Limits {
            value_bytes: 16 << 20,
            config_bytes: 64 << 20,
            file_bytes: 16 << 20,
        }
    );
    assert_eq!(Limits::default(), Limits::DEFAULT);
    assert_eq!(shown_cap(16 << 20), "16777216 bytes (16 MiB)");
    let accounts = || Box::new(NoAccounts);
    let store = crate::store::Store::with_env(Environment::default(), accounts());
    assert_eq!(store.limits(), Limits::DEFAULT);
    assert_eq!(
        crate::store::Store::from_process(accounts()).limits(),
        Limits::DEFAULT
    );
}

#[test]
fn defaults_resolve_their_references() {
    let config = with_env(&[("HOME", "/h")], startup).unwrap();
    assert_eq!(
        json_at(&config, &["cloud", "graphql"]),
        r#""http://api-staging.prefect.io/graphql/alpha""#
    );
    assert_eq!(
        json_at(&config, &["user_config_path"]),
        r#""/h/.prefect/config.toml""#
    );
    assert_eq!(json_at(&config, &["cloud", "use_local_secrets"]), "true");
}

#[test]
fn environment_overrides_are_typed_and_lowercased() {
    let env = [
        ("HOME", "/h"),
        ("PREFECT__CLOUD__API", "http://e:1"),
        ("PREFECT__CONTEXT__SECRETS__A__B", "1"),
        ("PREFECT__CONTEXT__SECRETS__Flag", "TRUE"),
    ];
    let config = with_env(&env, startup).unwrap();
    assert_eq!(
        json_at(&config, &["cloud", "graphql"]),
        r#""http://e:1/graphql/alpha""#
    );
    assert_eq!(json_at(&config, &["context", "secrets", "a"]), r#"{"b":1}"#);
    assert_eq!(json_at(&config, &["context", "secrets", "flag"]), "true");
}

#[test]
fn errors_name_the_variable_and_never_the_value() {
    let env = [("PREFECT__CONTEXT__SECRETS__PW", "hunter2\\")];
    let e = with_env(&env, startup).unwrap_err();
    assert!(e.0.contains("PREFECT__CONTEXT__SECRETS__PW"), "{}", e.0);
    assert!(!e.0.contains("hunter2"), "{}", e.0);

    let env = [("PREFECT__CLOUD__API__X", "1")];
    let e = with_env(&env, startup).unwrap_err();
    assert!(
        e.0.contains("cloud.api.x") && e.0.contains("PREFECT__CLOUD__API__X"),
        "{}",
        e.0
    );
}

#[test]
fn the_user_file_is_merged_over_the_defaults() {
    let dir = std::env::temp_dir().join(format!("prefect-secrets-cfg-{}", std::process::id()));
    std::fs::create_dir_all(dir.join(".prefect")).unwrap();
    std::fs::write(
        dir.join(".prefect/config.toml"),
        "[cloud]\nheartbeat_interval = 5.0\n[context.secrets]\nK = \"$HOME\"\n",
    )
    .unwrap();
    // `/` separators: a `\` in an environment value would be read as an escape.
    let home = dir.to_str().unwrap().replace('\\', "/");
    let home = home.as_str();
    let built = with_env(&[("HOME", home)], load_startup).unwrap();
    let config = built.config.clone();
    assert_eq!(json_at(&config, &["cloud", "heartbeat_interval"]), "5.0");
    // Each value's source, recorded while loading.
    let source = |path: &[&str]| {
        let path: Vec<PyStr> = path.iter().map(|k| PyStr::from(*k)).collect();
        built
            .sources
            .get(&keypath::KeyPath::of(&path))
            .map(ToString::to_string)
    };
    let file = format!("{home}/.prefect/config.toml");
    assert_eq!(built.files, std::slice::from_ref(&file));
    assert_eq!(
        source(&["context", "secrets", "K"]),
        Some(format!("{file}, line 4; $VAR/~ expanded"))
    );
    assert_eq!(
        source(&["cloud", "heartbeat_interval"]),
        Some(format!("{file}, line 2"))
    );
    assert_eq!(
        source(&["cloud", "graphql"]),
        Some("Prefect 0.5.3's defaults; ${cloud.api} resolved".to_string())
    );
    assert_eq!(
        json_at(&config, &["cloud", "api"]),
        r#""http://api-staging.prefect.io""#
    );
    assert_eq!(
        json_at(&config, &["context", "secrets", "K"]),
        format!("\"{home}\"")
    );

    std::fs::write(
        dir.join("broken.toml"),
        "[context.secrets\nK = \"hunter2\"\n",
    )
    .unwrap();
    let path = dir.join("broken.toml");
    let e = with_env(&[("HOME", home)], |h| {
        load_file_over(&built, path.to_str().unwrap(), h)
    })
    .unwrap_err();
    assert!(
        e.0.contains("broken.toml") && !e.0.contains("hunter2"),
        "{}",
        e.0
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn merge_replaces_scalars_and_merges_tables() {
    let base = with_env(&[], |h| {
        load_text("[a]\nx = 1\ny = 2\n[b]\nz = 3\n", "base", h)
    })
    .unwrap();
    let over = with_env(&[], |h| load_text("b = 4\n[a]\ny = 5\nw = 6\n", "over", h)).unwrap();
    let merged = merge(base, over);
    assert_eq!(json_at(&merged, &[]), r#"{"a":{"x":1,"y":5,"w":6},"b":4}"#);
}

#[test]
fn very_deep_environment_keys_are_refused() {
    let name = format!("PREFECT__{}B", "A__".repeat(flat::MAX_KEY_DEPTH));
    let e = with_env(&[(name.as_str(), "1")], startup).unwrap_err();
    assert!(e.0.contains("nests") && e.0.contains(&name), "{}", e.0);
    let name = format!("PREFECT__{}B", "A__".repeat(flat::MAX_KEY_DEPTH - 2));
    assert!(with_env(&[(name.as_str(), "1")], startup).is_ok());
}

fn timed<R>(f: impl FnOnce() -> R) -> R {
    let t = std::time::Instant::now();
    let r = f();
    assert!(
        t.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    r
}

/// `B='$B$B...'` (64 times): Python would need 8 GB at the fifth round and the host used
/// to abort. A configuration error naming the variable being set and the one expanded.
#[test]
fn an_expansion_bomb_names_the_variable() {
    let bomb = "$B".repeat(64);
    let env = [("B", bomb.as_str()), ("PREFECT__CONTEXT__SECRETS__X", "$B")];
    let e = timed(|| with_caps(SMALL, &env, startup)).unwrap_err();
    assert!(e.0.contains("PREFECT__CONTEXT__SECRETS__X"), "{}", e.0);
    assert!(
        e.0.contains("expanding $B would") && e.is_over_cap(),
        "{}",
        e.0
    );
    assert!(
        !e.0.contains("$B$B") && !e.0.contains("fail to start"),
        "{}",
        e.0
    );

    // The same from a file value: named by its key.
    let e = timed(|| {
        with_caps(SMALL, &[("B", bomb.as_str())], |h| {
            load_text("[context.secrets]\ny = \"$B\"\n", "file f", h)
        })
    })
    .unwrap_err();
    assert!(
        e.0.contains("configuration key context.secrets.y"),
        "{}",
        e.0
    );
}

/// Many values each under the value cap stop at the total.
#[test]
fn many_expanded_values_stop_at_the_total() {
    let big = "x".repeat(SMALL.value_bytes / 16 * 10);
    let names: Vec<String> = (0..8)
        .map(|i| format!("PREFECT__CONTEXT__SECRETS__K{i}"))
        .collect();
    let mut env = vec![("H", big.as_str())];
    env.extend(names.iter().map(|n| (n.as_str(), "$H")));
    let e = with_caps(SMALL, &env, startup).unwrap_err();
    assert!(
        e.0.contains("more than 262144 bytes") && e.is_over_cap(),
        "{}",
        e.0
    );
    assert!(
        e.0.contains("environment variable PREFECT__CONTEXT__SECRETS__K"),
        "{}",
        e.0
    );
    // Six of them fit.
    assert!(with_caps(SMALL, &env[..7], startup).is_ok());
}

/// Ten rounds of one reference each keep a doubling chain small (Prefect's own rule);
/// a long value referenced many times still multiplies, up to the cap. (Python would
/// build b, 18 MiB, here; see docs/differences.md.)
#[test]
fn references_stop_at_the_value_cap() {
    let text = format!(
        "[s]\na = \"{}\"\nok = \"${{s.a}}${{s.a}}\"\nb = \"{}\"\n",
        "x".repeat(SMALL.value_bytes / 16 * 6),
        "${s.a}".repeat(3)
    );
    let e = with_caps(SMALL, &[], |h| load_text(&text, "file f", h)).unwrap_err();
    assert!(e.0.contains("configuration key s.b:"), "{}", e.0);
    assert!(
        e.0.contains("longer than 65536 bytes") && e.is_over_cap(),
        "{}",
        e.0
    );
    assert!(!e.0.contains("xxxx"), "{}", e.0);
}

/// Whole-value references copy the value (Python shares it): a big list copied many
/// times counts towards the total.
#[test]
fn copies_of_a_big_list_stop_at_the_total() {
    // A list weighing a quarter of the total.
    let items = vec!["1"; SMALL.config_bytes / 4 / VALUE_OVERHEAD].join(",");
    let mut text = format!("[s]\na = [{items}]\n");
    for i in 0..40 {
        text.push_str(&format!("k{i} = \"${{s.a}}\"\n"));
    }
    let e = with_caps(SMALL, &[], |h| load_text(&text, "file f", h)).unwrap_err();
    assert!(
        e.0.contains("configuration key s.k") && e.0.contains("more than 262144 bytes"),
        "{}",
        e.0
    );
}

/// `a = "xxxxxxxx"`, `b = "${a}${a}"`, ... 40 levels. Expected values from Prefect 0.5.3
/// (`python3 tests/oracle/oracle.py tests/oracle/doubling-chain.json`, cases `chain-k*`,
/// three runs): the first levels resolve within the 10 rounds; the deepest keeps unresolved
/// references at its end (how many depends on Python's string hashing, so its length
/// changes from run to run; in every run it ended the same way).
#[test]
fn a_doubling_chain_of_references_stays_small() {
    let mut text = String::from("[context.secrets]\nk0 = \"xxxxxxxx\"\n");
    for i in 1..=40 {
        let r = format!("${{context.secrets.k{}}}", i - 1);
        text.push_str(&format!("k{i} = \"{r}{r}\"\n"));
    }
    let config = timed(|| with_env(&[], |h| load_text(&text, "file f", h))).unwrap();
    let at = |k: &str| json_at(&config, &["context", "secrets", k]);
    assert_eq!(at("k1"), format!("\"{}\"", "x".repeat(16)));
    assert_eq!(at("k2"), format!("\"{}\"", "x".repeat(32)));
    assert_eq!(at("k3"), format!("\"{}\"", "x".repeat(64)));
    let k40 = at("k40");
    assert!(k40.starts_with("\"xxxxxxxx"), "{k40}");
    assert!(
        k40.ends_with("${context.secrets.k38}${context.secrets.k39}\""),
        "{k40}"
    );
    assert!(k40.len() < 1 << 20, "{}", k40.len());
}
