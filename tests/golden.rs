//! Replays the conformance cases with the outcomes Prefect 0.5.3 gave for them
//! (`tests/conformance/*expected.json`, written by `tests/conformance/refresh.py` with
//! `tests/oracle/oracle.py`), through the library's core, without Python. Each case gets
//! its own store, environment and HOME.

mod support;

use support::cases::{Case, load_cases, run_case};

fn check(cases_file: &str, expected_file: &str) {
    let cases: Vec<Case> = load_cases(cases_file, expected_file);
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for case in &cases {
        match run_case(case) {
            Ok(true) => {}
            Ok(false) => skipped.push(case.id.clone()),
            Err(why) => failures.push(format!("{}: {why}", case.id)),
        }
    }
    if !skipped.is_empty() {
        eprintln!(
            "SKIPPED {} cases of {cases_file} that need a POSIX user database: {}",
            skipped.len(),
            skipped.join(", ")
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Prefect 0.5.3:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn public_cases_match_prefect() {
    check("public-cases.json", "public-expected.json");
}

#[test]
fn project_cases_match_prefect() {
    check("cases.json", "expected.json");
}
