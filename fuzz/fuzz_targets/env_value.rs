//! An environment variable through the whole `PREFECT__` path: `unicode_escape`,
//! `$VAR`/`~` interpolation (with chains, a cycle and `~`), `string_to_type`, `${key}`
//! references, then `json.loads` of the secret as `get` applies it. Also each piece on
//! its own. Never panics or hangs; the loader accepts the value exactly when its pieces do.
//!
//! The input is the value of `PREFECT__CONTEXT__SECRETS__X`; an input `NAME\0VALUE` (a
//! real environment holds no NUL) sets `PREFECT__NAME` instead, so names (lowercasing,
//! `__` splitting, clashes with the defaults, deep nesting) are fuzzed too.
#![no_main]

use fuzz_common::check_round_trip;
use libfuzzer_sys::fuzz_target;
use prefect_secrets::testing::config::flat::MAX_KEY_DEPTH;
use prefect_secrets::testing::config::defaults::DEFAULT_CONFIG;
use prefect_secrets::testing::config::escape::unicode_escape;
use prefect_secrets::testing::config::expand::{expanduser, expandvars, interpolate_env_var};
use prefect_secrets::testing::config::host::{Environment, Host, NoAccounts};
use prefect_secrets::testing::config::typing::string_to_type;
use prefect_secrets::testing::config::validate::{check_task_defaults, context_secrets};
use prefect_secrets::testing::config::{load_text, merge};
use prefect_secrets::testing::context::{Lookup, Outcome, State};
use prefect_secrets::testing::pyjson::{DecodeError, loads};
use prefect_secrets::testing::pystr::PyStr;
use prefect_secrets::testing::value::{Dict, Value};

const PREFIX: &str = "PREFECT__";
const SECRET_X: &str = "CONTEXT__SECRETS__X";

/// Fixed variables: a `$A` -> `${B}` -> `~` chain, a typed chain (`$M` -> `$N` -> 42,
/// which Prefect refuses as a typed value), a cycle, and a missing HOME home directory.
fn environment(name: &str, value: &str) -> Environment {
    Environment::from_pairs([
        ("HOME", "/nonexistent/fuzz-home/"),
        ("A", "$B/a"),
        ("B", "${C}b"),
        ("C", "~/c"),
        ("D", "$A-$A"),
        ("N", "42"),
        ("M", "$N"),
        ("F", "1e+16"),
        ("T", "tRuE"),
        ("P", "$Q"),
        ("Q", "$P"),
        ("E", ""),
        (name, value),
    ])
}

/// The defaults as loaded without any `PREFECT__` variable.
fn defaults() -> &'static Dict {
    static DEFAULTS: std::sync::OnceLock<Dict> = std::sync::OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let env = environment("UNRELATED", "");
        let host = Host {
            env: &env,
            accounts: &NoAccounts,
            limits: prefect_secrets::testing::config::Limits::DEFAULT,
        };
        load_text(DEFAULT_CONFIG, "defaults", &host).expect("the defaults load")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (suffix, input) = input.split_once('\0').unwrap_or((SECRET_X, input));
    if suffix.contains('=') {
        return;
    }
    let name = format!("{PREFIX}{suffix}");
    let key: Vec<String> = suffix
        .to_lowercase()
        .split("__")
        .map(str::to_owned)
        .collect();
    let env = environment(&name, input);
    let host = Host {
        env: &env,
        accounts: &NoAccounts,
        limits: prefect_secrets::testing::config::Limits::DEFAULT,
    };

    // The pieces on their own.
    let raw = PyStr::from(input);
    let _ = string_to_type(raw.clone());
    let _ = interpolate_env_var(Value::Str(raw.clone()), &host);
    if let Ok(v) = expandvars(&raw, &host) {
        let _ = expanduser(&v, &host);
    }
    let decoded = unicode_escape(input);
    let interpolated = decoded
        .as_ref()
        .ok()
        .map(|s| interpolate_env_var(Value::Str(s.clone()), &host));
    if let Ok(s) = &decoded {
        let _ = string_to_type(s.clone());
        if let Ok(v) = expandvars(s, &host) {
            let _ = expanduser(&v, &host);
        }
    }

    // The whole path, on an empty file: the variable alone.
    // ...and a name that does not nest too deep (see flat::MAX_KEY_DEPTH).
    let accepted = matches!(interpolated, Some(Ok(Value::Str(_)))) && key.len() <= MAX_KEY_DEPTH;
    match load_text("", "fuzz", &host) {
        Ok(config) => {
            assert!(accepted, "load_text accepted a value its pieces refuse");
            let (last, parents) = key.split_last().expect("split gives one part or more");
            let mut table = &config;
            for k in parents {
                table = table
                    .get(k)
                    .and_then(Value::as_dict)
                    .expect("the variable's tables exist");
            }
            let x = table.get(last).expect("the variable's key is set");
            check_round_trip(x);
            if let Value::Str(s) = x {
                match loads(s.as_bytes()) {
                    Ok(v) => check_round_trip(&v),
                    Err(DecodeError::Syntax { pos, .. }) => assert!(pos <= s.len_bytes()),
                    Err(_) => {}
                }
            }
            // Merged over the defaults, as a user file is.
            let merged = merge(defaults().clone(), config);
            let _ = check_task_defaults(&merged);
            let _ = context_secrets(&merged);
        }
        Err(_) => assert!(!accepted, "load_text refused a value its pieces accept"),
    }

    // As a process starts: defaults, the variable, validation, then `get`'s lookup.
    let secret = match key.as_slice() {
        [c, s, name] if c == "context" && s == "secrets" => Some(name.as_str()),
        _ => None,
    };
    // A working directory without Prefect 3 files: only the variable is fuzzed.
    if let Ok(state) = State::load_startup(&host, std::path::Path::new("/nonexistent"))
        && let Some(secret) = secret
    {
        match state.lookup(secret) {
            Ok(Lookup::Local(Some(Outcome::Value(r)))) => {
                assert!(r.json().is_ascii());
                assert!(loads(r.json()).is_ok(), "a rendered secret does not decode");
            }
            Ok(Lookup::Local(_)) => {}
            Ok(Lookup::Server) => panic!("use_local_secrets changed by a secret"),
            Err(_) => {}
        }
    }
});
