//! `prefect-secrets inject` end to end: a loopback Prefect 3 server with blocks and
//! Variables, templates in files, output to stdout or to a file written whole with mode
//! 0600; and the templates of `run`/`env --env-file`. (The rendering rules against Prefect itself: src/templating's recorded cases and
//! tests/prefect3_server.rs.)

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::server::{Action, Request, TestServer};
use support::tempdir::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_prefect-secrets");

/// Blocks `db` (a dict) and `plain` (a string), Variables `region` and `registry`.
fn server() -> TestServer {
    TestServer::start(|req: &Request| {
        let block = |value: &str| {
            Action::json(
                200,
                format!(r#"{{"id": "x", "name": "n", "data": {{"value": {value}}}}}"#),
            )
        };
        let variable =
            |value: &str| Action::json(200, format!(r#"{{"name": "n", "value": {value}}}"#));
        match req.path.as_str() {
            "/api/block_types/slug/secret/block_documents/name/db?include_secrets=true" => {
                block(r#"{"user": "svc", "port": 5432}"#)
            }
            "/api/block_types/slug/secret/block_documents/name/plain?include_secrets=true" => {
                block(r#""p@ss 'w\"ord""#)
            }
            "/api/variables/name/region" => variable(r#""eu-west""#),
            "/api/variables/name/registry" => variable(r#""ghcr.io/acme""#),
            p if p.starts_with("/api/variables/") => {
                Action::json(404, r#"{"detail": "Variable not found"}"#)
            }
            _ => Action::json(404, r#"{"detail": "Block document not found"}"#),
        }
    })
}

fn inject(dir: &Path, server: &TestServer, args: &[&str], flavor: &str) -> Output {
    let mut cmd = Command::new(BIN);
    // No Prefect setting of the machine's: every one read is the test's.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PREFECT") {
            cmd.env_remove(name);
        }
    }
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("USERPROFILE", dir)
        .env("PREFECT_HOME", dir.join(".prefect"))
        .env("PREFECT_SECRETS_FLAVOR", flavor)
        .env("PREFECT_API_URL", format!("{}/api", server.url()))
        .output()
        .expect("run prefect-secrets")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn json_and_text_templates_render_to_stdout() {
    let dir = TempDir::new("inject-stdout");
    let server = server();
    std::fs::write(
        dir.path().join("job.json"),
        r#"{"env": {"DB_USER": "{{ prefect.blocks.secret.db.user }}", "PORT": "{{ prefect.blocks.secret.db.port }}",
            "REGION": "{{ prefect.variables.region }}", "KEEP": "{{ other }}"},
            "image": "{{ prefect.variables.registry }}/app", "db": "{{ prefect.blocks.secret.db }}"}"#,
    )
    .unwrap();
    let out = inject(
        dir.path(),
        &server,
        &["inject", "-i", "job.json"],
        "prefect-3",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "{\"env\":{\"DB_USER\":\"svc\",\"PORT\":5432,\"REGION\":\"eu-west\",\"KEEP\":\"{{ other }}\"},\
         \"image\":\"ghcr.io/acme/app\",\"db\":{\"user\":\"svc\",\"port\":5432}}\n"
    );
    std::fs::write(
        dir.path().join("app.ini"),
        "password={{ prefect.blocks.secret.plain }}\nregion = {{prefect.variables.region}}\n",
    )
    .unwrap();
    let out = inject(
        dir.path(),
        &server,
        &["inject", "-i", "app.ini"],
        "prefect-3",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "password=p@ss 'w\"ord\nregion = eu-west\n"
    );
}

/// A YAML template (the case "inject template" of tests/prefect3/yaml_cases.json, with
/// YAML 1.1's `on`, `0755` and `1e3`, an anchor and a merge key) renders as the value
/// PyYAML reads from it (tests/prefect3/yaml_expected.json) with its placeholders filled,
/// and is written back as YAML that reads as that value; `.YML` and `--yaml` say YAML too,
/// `--json` and `--text` still override.
#[test]
fn yaml_templates_render_as_pyyaml_reads_them() {
    use prefect_secrets::testing::{pyjson, yaml};
    use serde_json::{Value as Json, json};

    let cases: Json = serde_json::from_str(include_str!("prefect3/yaml_cases.json")).unwrap();
    let recorded: Json = serde_json::from_str(include_str!("prefect3/yaml_expected.json")).unwrap();
    let name = "inject template";
    let template = cases
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()["yaml"]
        .as_str()
        .unwrap();
    let mut want: Json = serde_json::from_str(recorded[name]["json"].as_str().unwrap()).unwrap();
    fill(&mut want);
    assert_eq!(
        want["mode"],
        json!(493),
        "PyYAML's reading, placeholders filled: {want}"
    );

    let dir = TempDir::new("inject-yaml");
    let server = server();
    std::fs::write(dir.path().join("job.yaml"), template).unwrap();
    std::fs::write(dir.path().join("JOB.YML"), template).unwrap();
    std::fs::write(dir.path().join("job.txt"), template).unwrap();
    for args in [
        &["inject", "-i", "job.yaml"][..],
        &["inject", "-i", "JOB.YML"],
        &["inject", "-i", "job.txt", "--yaml"],
    ] {
        let out = inject(dir.path(), &server, args, "prefect-3");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let back = yaml::load(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {}\n{}", e.message, text(&out.stdout)));
        let mut back_json = Vec::new();
        pyjson::to_json(&back, &mut back_json);
        let back: Json = serde_json::from_slice(&back_json).unwrap();
        assert_eq!(back, want, "{args:?}:\n{}", text(&out.stdout));
    }
    // --json over the name: the YAML is not JSON.
    let out = inject(
        dir.path(),
        &server,
        &["inject", "-i", "job.yaml", "--json"],
        "prefect-3",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not JSON"),
        "{}",
        text(&out.stderr)
    );
    // --text: one string, in which the dict block cannot be put.
    let out = inject(
        dir.path(),
        &server,
        &["inject", "-i", "job.yaml", "--text"],
        "prefect-3",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("longer string"),
        "{}",
        text(&out.stderr)
    );

    /// The recorded value's placeholders as the fixture server fills them.
    fn fill(v: &mut Json) {
        match v {
            Json::Object(m) => m.values_mut().for_each(fill),
            Json::Array(a) => a.iter_mut().for_each(fill),
            Json::String(s) => {
                *v = match s.as_str() {
                    "{{ prefect.variables.registry }}/app" => json!("ghcr.io/acme/app"),
                    "{{ prefect.variables.region }}" => json!("eu-west"),
                    "{{ prefect.blocks.secret.db.user }}" => json!("svc"),
                    "{{ prefect.blocks.secret.db.port }}" => json!(5432),
                    "{{ prefect.blocks.secret.db }}" => json!({"user": "svc", "port": 5432}),
                    "{{ prefect.blocks.secret.plain }}" => json!("p@ss 'w\"ord"),
                    _ => return,
                }
            }
            _ => {}
        }
    }
}

#[cfg(unix)]
#[test]
fn an_output_file_is_written_whole_and_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("inject-out");
    let server = server();
    let out_path = dir.path().join("app.env");
    std::fs::write(&out_path, "old\n").unwrap();
    std::fs::set_permissions(&out_path, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(
        dir.path().join("t.txt"),
        "P={{ prefect.blocks.secret.plain }}\n",
    )
    .unwrap();
    let out = inject(
        dir.path(),
        &server,
        &["inject", "-i", "t.txt", "-o", "app.env"],
        "prefect-3",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(out.stdout, b"");
    assert_eq!(
        std::fs::read_to_string(&out_path).unwrap(),
        "P=p@ss 'w\"ord\n"
    );
    let mode = std::fs::metadata(&out_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A missing block: exit 2, the old file untouched, no temporary file left, and the
    // message names the block, never a value.
    std::fs::write(
        dir.path().join("bad.txt"),
        "A={{ prefect.blocks.secret.plain }} B={{ prefect.blocks.secret.gone }}\n",
    )
    .unwrap();
    let out = inject(
        dir.path(),
        &server,
        &["inject", "-i", "bad.txt", "-o", "app.env"],
        "prefect-3",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("gone"), "{err}");
    assert!(!err.contains("p@ss"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&out_path).unwrap(),
        "P=p@ss 'w\"ord\n"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `run`/`env --env-file` lines whose value holds block or variable placeholders are
/// rendered as job-variable strings, all in one render (the other lines are secret
/// names, tests/cli.rs).
#[test]
fn env_file_placeholders_render_in_one_pass() {
    let dir = TempDir::new("inject-env-file");
    let server = server();
    std::fs::write(
        dir.path().join("app.env"),
        "# the database\n\
         DB_USER={{ prefect.blocks.secret.db.user }}\n\
         export DB={{ prefect.blocks.secret.db }}\n\
         URL=postgres://{{ prefect.blocks.secret.db.user }}@{{ prefect.variables.region }}:{{ prefect.blocks.secret.db.port }}/app\n",
    )
    .unwrap();
    let out = inject(
        dir.path(),
        &server,
        &["env", "--env-file", "app.env"],
        "prefect-3",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "export DB_USER='svc'\nexport DB='{\"user\":\"svc\",\"port\":5432}'\n\
         export URL='postgres://svc@eu-west:5432/app'\n"
    );
    // One render: the block `db` and the variable, each read once.
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths
            .iter()
            .filter(|p| p.contains("/block_documents/name/db?"))
            .count(),
        1,
        "{paths:?}"
    );
    assert_eq!(paths.len(), 2, "{paths:?}");

    // A placeholder that fails names the variable, never the template's other text, and
    // nothing runs; under Prefect 0.5.3's flavour placeholders are refused.
    std::fs::write(
        dir.path().join("bad.env"),
        "URL=postgres://user:literal-pw@{{ prefect.blocks.secret.missing }}\n",
    )
    .unwrap();
    for (flavor, why) in [
        ("prefect-3", "block not found"),
        ("prefect-0.5", "prefect-3"),
    ] {
        let out = inject(
            dir.path(),
            &server,
            &["run", "--env-file", "bad.env", "--", "touch", "ran"],
            flavor,
        );
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("URL") && err.contains(why), "{err}");
        assert!(!err.contains("literal-pw"), "{err}");
        assert!(!dir.path().join("ran").exists());
    }
}

#[test]
fn what_inject_refuses() {
    let dir = TempDir::new("inject-refuse");
    let server = server();
    std::fs::write(
        dir.path().join("t.txt"),
        "{{ prefect.blocks.secret.plain }}",
    )
    .unwrap();
    std::fs::write(dir.path().join("t.yaml"), "a: 2001-12-14\n").unwrap();
    // Prefect 0.5.3 has no blocks or variables.
    let out = inject(
        dir.path(),
        &server,
        &["inject", "-i", "t.txt"],
        "prefect-0.5",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("prefect-3"),
        "{}",
        text(&out.stderr)
    );
    for (args, why) in [
        (&["inject"][..], "no template given"),
        // A date: PyYAML makes it a datetime.date, which the value model cannot hold.
        (&["inject", "-i", "t.yaml"][..], "YAML template, line 1"),
        (&["inject", "-i", "no-such-file"][..], "cannot read"),
        (
            &["inject", "-i", "t.txt", "--bogus"][..],
            "unknown argument",
        ),
    ] {
        let out = inject(dir.path(), &server, args, "prefect-3");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(why),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // Not JSON where JSON was said: an invalid argument, nothing printed.
    let out = inject(
        dir.path(),
        &server,
        &["inject", "-i", "t.txt", "--json"],
        "prefect-3",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, b"");
}
