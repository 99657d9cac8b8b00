//! Arbitrary text as a Prefect config file: TOML as toml 0.10.2 reads it, environment
//! overrides, interpolation and `${key}` references, then merged over the defaults and
//! validated as at start, and each context secret decoded as `get` decodes it.
//! Never panics or hangs.
#![no_main]

use std::sync::OnceLock;

use fuzz_common::check_round_trip;
use libfuzzer_sys::fuzz_target;
use prefect_secrets::testing::config::defaults::DEFAULT_CONFIG;
use prefect_secrets::testing::config::host::{Environment, Host, NoAccounts};
use prefect_secrets::testing::config::validate::{SecretsTable, check_task_defaults, context_secrets};
use prefect_secrets::testing::config::{load_text, merge, toml_file};
use prefect_secrets::testing::pyjson::loads;
use prefect_secrets::testing::value::{Dict, Value};

fn environment() -> &'static Environment {
    static ENV: OnceLock<Environment> = OnceLock::new();
    ENV.get_or_init(|| {
        Environment::from_pairs([
            ("HOME", "/nonexistent/fuzz-home"),
            ("A", "$B/a"),
            ("B", "b"),
            ("N", "7"),
            ("M", "$N"),
            ("PREFECT__CONTEXT__SECRETS__ENV_KEY", "{\"from\": \"env\"}"),
            ("PREFECT__CLOUD__API", "http://127.0.0.1:9"),
        ])
    })
}

fn defaults() -> &'static Dict {
    static DEFAULTS: OnceLock<Dict> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let host = Host {
            env: environment(),
            accounts: &NoAccounts,
            limits: prefect_secrets::testing::config::Limits::DEFAULT,
        };
        load_text(DEFAULT_CONFIG, "defaults", &host).expect("the defaults load")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let host = Host {
        env: environment(),
        accounts: &NoAccounts,
        limits: prefect_secrets::testing::config::Limits::DEFAULT,
    };
    let parsed = toml_file::parse(text, "fuzz.toml");
    let loaded = load_text(text, "fuzz.toml", &host);
    if parsed.is_err() {
        assert!(
            loaded.is_err(),
            "load_text accepted text the TOML reader refuses"
        );
    }
    let Ok(user) = loaded else {
        return;
    };
    check_round_trip(&Value::Dict(user.clone()));
    let config = merge(defaults().clone(), user);
    let _ = check_task_defaults(&config);
    if let Ok(SecretsTable::Table(secrets)) = context_secrets(&config) {
        for (_, v) in secrets.iter() {
            if let Value::Str(s) = v
                && let Ok(decoded) = loads(s.as_bytes())
            {
                check_round_trip(&decoded);
            }
        }
    }
});
