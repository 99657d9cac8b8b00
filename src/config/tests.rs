//! The loader end to end on small inputs; the conformance cases (tests/golden.rs) hold
//! the full matrix checked against Prefect 0.5.3.

use super::host::{Environment, Host, NoAccounts};
use super::*;
use crate::pyjson::to_json;

fn json_at(config: &Dict, path: &[&str]) -> String {
    let mut v = &Value::Dict(config.clone());
    for k in path {
        v = v.as_dict().and_then(|d| d.get(k)).unwrap_or(&Value::None);
    }
    let mut out = Vec::new();
    to_json(v, &mut out);
    String::from_utf8(out).unwrap()
}

fn with_env<R>(pairs: &[(&str, &str)], f: impl FnOnce(&Host) -> R) -> R {
    let env = Environment::from_pairs(pairs.iter().copied());
    f(&Host {
        env: &env,
        accounts: &NoAccounts,
    })
}

#[test]
fn defaults_resolve_their_references() {
    let config = with_env(&[("HOME", "/h")], load_startup).unwrap();
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
    let config = with_env(&env, load_startup).unwrap();
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
    let e = with_env(&env, load_startup).unwrap_err();
    assert!(e.0.contains("PREFECT__CONTEXT__SECRETS__PW"), "{}", e.0);
    assert!(!e.0.contains("hunter2"), "{}", e.0);

    let env = [("PREFECT__CLOUD__API__X", "1")];
    let e = with_env(&env, load_startup).unwrap_err();
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
    let config = with_env(&[("HOME", home)], load_startup).unwrap();
    assert_eq!(json_at(&config, &["cloud", "heartbeat_interval"]), "5.0");
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
        load_file_over(&config, path.to_str().unwrap(), h)
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
    let e = with_env(&[(name.as_str(), "1")], load_startup).unwrap_err();
    assert!(e.0.contains("nests") && e.0.contains(&name), "{}", e.0);
    let name = format!("PREFECT__{}B", "A__".repeat(flat::MAX_KEY_DEPTH - 2));
    assert!(with_env(&[(name.as_str(), "1")], load_startup).is_ok());
}
