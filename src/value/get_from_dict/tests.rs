//! Each case of tests/prefect3/keypath_cases.json against what Prefect 3's own
//! `get_from_dict` found (tests/prefect3/keypath_expected.json, recorded by
//! tests/prefect3/record_keypaths.py).

use super::*;
use crate::pyjson;

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string_lossy(),
        _ => panic!("expected text"),
    }
}

#[test]
fn every_recorded_case_finds_what_prefect_finds() {
    let cases = pyjson::loads(include_bytes!("../../../tests/prefect3/keypath_cases.json"))
        .expect("the cases are JSON");
    let expected = pyjson::loads(include_bytes!(
        "../../../tests/prefect3/keypath_expected.json"
    ))
    .expect("the recording is JSON");
    let (Value::List(cases), Value::Dict(expected)) = (cases, expected) else {
        panic!("a list of cases and a dict of outcomes");
    };
    assert!(cases.0.len() >= 30);
    for case in &cases.0 {
        let case = case.as_dict().expect("a case is an object");
        let name = text(case.get("name").unwrap());
        let path = text(case.get("path").unwrap());
        let want = expected
            .get(name.as_str())
            .expect("recorded")
            .as_dict()
            .unwrap();
        let got = get_from_dict(case.get("data").unwrap(), &path);
        match (want.get("found"), got) {
            (Some(Value::Bool(false)), None) => {}
            (Some(Value::Bool(true)), Some(v)) => {
                let mut json = Vec::new();
                pyjson::to_json(&v, &mut json);
                assert_eq!(
                    String::from_utf8(json).unwrap(),
                    text(want.get("json").unwrap()),
                    "{name}"
                );
            }
            (want, got) => panic!("{name}: Prefect found {want:?}, here {}", got.is_some()),
        }
    }
}
