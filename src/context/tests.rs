//! The state `get` reads: decoding at set time, setters, and file merges.

use super::*;
use crate::config::host::{Environment, NoAccounts};

impl State {
    /// `secret_config_load_file`: merges a file over the configuration, context secrets
    /// included; the flow-building flag stays.
    fn load_file(&self, path: &str, host: &Host) -> Result<State, ConfigError> {
        let file = config::load_path(&PyStr::from(path), host)?;
        self.merge_file(file, host)
    }
}

fn state_with(env: &[(&str, &str)]) -> State {
    let env = Environment::from_pairs(env.iter().copied());
    // A working directory with no Prefect 3 files in it.
    let cwd = std::path::Path::new("/nonexistent/prefect-secrets");
    State::load_startup(
        &Host {
            env: &env,
            accounts: &NoAccounts,
            limits: crate::config::Limits::DEFAULT,
        },
        cwd,
    )
    .unwrap()
}

fn text(state: &State, name: &str) -> Result<Option<String>, Error> {
    Ok(match state.lookup(name)? {
        Lookup::Local(Some(Outcome::Value(r))) => {
            Some(String::from_utf8(r.text().to_vec()).unwrap())
        }
        Lookup::Local(Some(Outcome::Error(e))) => return Err(e.clone()),
        Lookup::Local(_) => None,
        Lookup::Server => panic!("expected the local path"),
    })
}

#[test]
fn values_are_decoded_when_set() {
    let mut s = state_with(&[]);
    s.set_secret("a", PyStr::from("{\"k\": [1, 2.50]}"))
        .unwrap();
    s.set_secret("b", PyStr::from("not json")).unwrap();
    s.set_secret("c", PyStr::from("null")).unwrap();
    s.set_secret("d", PyStr::from("1".repeat(5000).as_str()))
        .unwrap();
    assert_eq!(text(&s, "a").unwrap().as_deref(), Some(r#"{"k":[1,2.5]}"#));
    assert_eq!(text(&s, "b").unwrap().as_deref(), Some("not json"));
    assert_eq!(text(&s, "c").unwrap(), None);
    let e = text(&s, "d").unwrap_err();
    assert_eq!(e.kind, crate::error::ErrorKind::Config);
    assert!(e.message.contains("4300"), "{}", e.message);
}

#[test]
fn remove_and_clear() {
    let mut s = state_with(&[("PREFECT__CONTEXT__SECRETS__X", "1")]);
    assert!(s.remove_secret("x").unwrap());
    assert!(!s.remove_secret("x").unwrap());
    s.set_secret("y", PyStr::from("2")).unwrap();
    s.clear_secrets();
    assert_eq!(text(&s, "y").unwrap(), None);
}

#[test]
fn a_non_table_secrets_value_fails_get_and_set() {
    let mut s = state_with(&[("PREFECT__CONTEXT__SECRETS", "abc")]);
    assert_eq!(
        text(&s, "x").unwrap_err().kind,
        crate::error::ErrorKind::Config
    );
    assert!(s.set_secret("x", PyStr::from("1")).is_err());
    assert!(s.remove_secret("x").is_err());
    s.clear_secrets();
    s.set_secret("x", PyStr::from("1")).unwrap();
    assert_eq!(text(&s, "x").unwrap().as_deref(), Some("1"));
}

#[test]
fn flow_building_comes_first() {
    let mut s = state_with(&[("PREFECT__CLOUD__USE_LOCAL_SECRETS", "false")]);
    s.set_flow_building(true);
    assert_eq!(
        text(&s, "x").unwrap_err().kind,
        crate::error::ErrorKind::FlowBuilding
    );
    s.set_flow_building(false);
    assert!(matches!(s.lookup("x"), Ok(Lookup::Server)));
}

#[test]
fn loading_a_file_keeps_secrets_set_before() {
    let dir = std::env::temp_dir().join(format!("prefect-secrets-ctx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("more.toml");
    std::fs::write(
        &file,
        "[context.secrets]\nfile = \"f\"\nboth = \"from-file\"\n[context.secrets.t]\nb = 2\n",
    )
    .unwrap();
    let mut s = state_with(&[]);
    s.set_secret("kept", PyStr::from("k")).unwrap();
    s.set_secret("both", PyStr::from("from-api")).unwrap();
    s.set_secret("t", PyStr::from("{\"a\": 1}")).unwrap();
    s.set_flow_building(true);
    let env = Environment::default();
    let mut next = s
        .load_file(
            file.to_str().unwrap(),
            &Host {
                env: &env,
                accounts: &NoAccounts,
                limits: crate::config::Limits::DEFAULT,
            },
        )
        .unwrap();
    next.set_flow_building(false);
    assert_eq!(text(&next, "kept").unwrap().as_deref(), Some("k"));
    assert_eq!(text(&next, "file").unwrap().as_deref(), Some("f"));
    assert_eq!(text(&next, "both").unwrap().as_deref(), Some("from-file"));
    // A table replaces a string value (merge_dicts merges only table over table).
    assert_eq!(text(&next, "t").unwrap().as_deref(), Some(r#"{"b":2}"#));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The one switch: `PREFECT_SECRETS_FLAVOR=prefect-3` chooses the Prefect 3 flavour over
/// files and `PREFECT__` variables, and under it there are no local secrets, whatever
/// `use_local_secrets` says. Empty, it is not set. A setter afterwards still wins.
#[test]
fn the_prefect3_switch_turns_the_server_path_on() {
    let local = [("PREFECT__CONTEXT__SECRETS__S", "v")];
    assert_eq!(
        text(&state_with(&local), "s").unwrap().as_deref(),
        Some("v")
    );

    for env in [
        vec![("PREFECT_SECRETS_FLAVOR", "prefect-3")],
        vec![
            ("PREFECT_SECRETS_FLAVOR", "prefect-3"),
            ("PREFECT__CLOUD__SERVER_FLAVOR", "prefect-0.5"),
            ("PREFECT__CLOUD__USE_LOCAL_SECRETS", "true"),
        ],
        vec![("PREFECT__CLOUD__SERVER_FLAVOR", "prefect-3")],
    ] {
        let mut all = env.clone();
        all.extend(local);
        let state = state_with(&all);
        assert!(matches!(state.lookup("s"), Ok(Lookup::Server)), "{env:?}");
        assert!(!state.uses_local_secrets().unwrap());
    }
    let switched = state_with(&[("PREFECT_SECRETS_FLAVOR", "prefect-3")]);
    let path = KeyPath::of_strs(&["cloud", "server_flavor"]);
    assert_eq!(
        switched
            .provenance
            .sources
            .get(&path)
            .map(|s| s.origin.to_string()),
        Some("environment variable PREFECT_SECRETS_FLAVOR".to_string())
    );

    let empty = state_with(&[("PREFECT_SECRETS_FLAVOR", ""), local[0]]);
    assert_eq!(text(&empty, "s").unwrap().as_deref(), Some("v"));

    let mut back = state_with(&[("PREFECT_SECRETS_FLAVOR", "prefect-3"), local[0]]);
    back.set_cloud("server_flavor", Some(Value::str("prefect-0.5")))
        .unwrap();
    assert_eq!(text(&back, "s").unwrap().as_deref(), Some("v"));
}
