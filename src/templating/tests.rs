//! Each template of tests/prefect3/template_cases.json rendered here and by Prefect 3
//! itself (tests/prefect3/template_expected.json, recorded by
//! tests/prefect3/record_templates.py from the blocks and variables of
//! tests/prefect3/template_documents.json), and `find_placeholders` on its own.

use super::*;
use crate::error::ErrorKind;
use crate::pyjson;
use crate::pystr::PyStr;
use crate::value::List;

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string_lossy(),
        _ => panic!("expected text"),
    }
}

fn json(v: &Value) -> String {
    let mut out = Vec::new();
    pyjson::to_json(v, &mut out);
    String::from_utf8(out).unwrap()
}

/// The recorded blocks and variables, serving `Documents` as the recorder's fake client
/// does, and noting each call as it names it.
struct Recorded {
    blocks: Vec<Dict>,
    variables: Dict,
    fetches: Vec<String>,
}

impl Recorded {
    fn new(documents: &Value) -> Self {
        let documents = documents.as_dict().unwrap();
        let Some(Value::List(blocks)) = documents.get("blocks") else {
            panic!("blocks")
        };
        Recorded {
            blocks: blocks
                .0
                .iter()
                .map(|b| b.as_dict().unwrap().clone())
                .collect(),
            variables: documents
                .get("variables")
                .unwrap()
                .as_dict()
                .unwrap()
                .clone(),
            fetches: Vec::new(),
        }
    }

    fn data(&self, found: impl Fn(&Dict) -> bool) -> Option<Dict> {
        let block = self.blocks.iter().find(|b| found(b))?;
        Some(block.get("data").unwrap().as_dict().unwrap().clone())
    }
}

fn is(v: Option<&Value>, want: &str) -> bool {
    matches!(v, Some(Value::Str(s)) if s.as_bytes() == want.as_bytes())
}

impl Documents for Recorded {
    fn block_by_name(&mut self, slug: &str, name: &str) -> Result<Option<Dict>, Error> {
        self.fetches.push(format!("block {slug}/{name}"));
        Ok(self.data(|b| is(b.get("slug"), slug) && is(b.get("name"), name)))
    }

    fn block_by_id(&mut self, id: &str) -> Result<Option<Dict>, Error> {
        self.fetches.push(format!("id {id}"));
        Ok(self.data(|b| is(b.get("id"), id)))
    }

    fn variable(&mut self, name: &str) -> Result<Option<Value>, Error> {
        self.fetches.push(format!("variable {name}"));
        Ok(self.variables.get(name).cloned())
    }
}

#[test]
fn every_recorded_case_renders_as_prefect_renders_it() {
    let cases = pyjson::loads(include_bytes!("../../tests/prefect3/template_cases.json"))
        .expect("the cases are JSON");
    let documents = pyjson::loads(include_bytes!(
        "../../tests/prefect3/template_documents.json"
    ))
    .expect("the documents are JSON");
    let expected = pyjson::loads(include_bytes!(
        "../../tests/prefect3/template_expected.json"
    ))
    .expect("the recording is JSON");
    let (Value::List(cases), Value::Dict(expected)) = (cases, expected) else {
        panic!("a list of cases and a dict of outcomes");
    };
    assert!(cases.0.len() >= 30);
    assert_eq!(cases.0.len(), expected.len(), "every case recorded");
    let (mut rendered, mut failed) = (0, 0);
    for case in &cases.0 {
        let case = case.as_dict().expect("a case is an object");
        let name = text(case.get("name").unwrap());
        let want = expected
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{name}: not recorded"))
            .as_dict()
            .unwrap();
        let mut docs = Recorded::new(&documents);
        let got = render(case.get("template").unwrap().clone(), &mut docs);
        match (want.get("ok"), want.get("error"), got) {
            (Some(ok), None, Ok(v)) => {
                assert_eq!(json(&v), text(ok), "{name}");
                let Some(Value::List(fetches)) = want.get("fetches") else {
                    panic!("{name}: fetches recorded");
                };
                let mut want: Vec<String> = fetches.0.iter().map(text).collect();
                want.sort();
                docs.fetches.sort();
                assert_eq!(docs.fetches, want, "{name}: each document fetched once");
                rendered += 1;
            }
            (None, Some(error), Err(e)) => {
                assert_eq!(e.kind, ErrorKind::Client, "{name}");
                // Named, never a value: no secret of the documents shows.
                for secret in ["hunter2", "p4ss", "AKIAEXAMPLE", "svc", "plain-text"] {
                    assert!(!e.message.contains(secret), "{name}: {}", e.message);
                }
                eprintln!("{name}: Prefect {}, here: {}", text(error), e.message);
                failed += 1;
            }
            (ok, error, got) => panic!(
                "{name}: Prefect gave {ok:?} / {error:?}, here {:?}",
                got.map(|v| json(&v))
            ),
        }
    }
    eprintln!("{rendered} rendered and {failed} errors, as Prefect");
}

/// Serves one block and counts every call.
struct Counting {
    calls: usize,
}

impl Documents for Counting {
    fn block_by_name(&mut self, _: &str, name: &str) -> Result<Option<Dict>, Error> {
        self.calls += 1;
        let mut d = Dict::new();
        d.insert(PyStr::from("value"), Value::str(name));
        Ok(Some(d))
    }
    fn block_by_id(&mut self, _: &str) -> Result<Option<Dict>, Error> {
        self.calls += 1;
        Ok(Some(Dict::new()))
    }
    fn variable(&mut self, _: &str) -> Result<Option<Value>, Error> {
        self.calls += 1;
        Ok(None)
    }
}

#[test]
fn each_document_is_fetched_once_per_render() {
    let items: Vec<Value> = (0..50)
        .map(|i| {
            Value::str(&format!(
                "{{{{ prefect.blocks.secret.b{} }}}} {{{{ prefect.variables.v{} }}}}",
                i % 3,
                i % 4
            ))
        })
        .collect();
    let mut docs = Counting { calls: 0 };
    let out = render(Value::List(List(items)), &mut docs).unwrap();
    assert_eq!(docs.calls, 3 + 4);
    let Value::List(out) = out else { panic!() };
    assert_eq!(text(&out.0[4]), "b1 ");
    // A second render asks again: the caches live for one render.
    render(Value::str("{{ prefect.blocks.secret.b0 }}"), &mut docs).unwrap();
    assert_eq!(docs.calls, 8);
}

#[test]
fn an_error_from_the_documents_ends_the_render() {
    struct Failing;
    impl Documents for Failing {
        fn block_by_name(&mut self, _: &str, _: &str) -> Result<Option<Dict>, Error> {
            Err(Error::auth("refused"))
        }
        fn block_by_id(&mut self, _: &str) -> Result<Option<Dict>, Error> {
            Err(Error::auth("refused"))
        }
        fn variable(&mut self, _: &str) -> Result<Option<Value>, Error> {
            Err(Error::auth("refused"))
        }
    }
    for template in [
        "{{ prefect.blocks.secret.x }}",
        "a {{ prefect.variables.x }}",
    ] {
        let e = render(Value::str(template), &mut Failing).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Auth);
    }
    // Nothing to fetch: no call.
    let v = render(Value::str("{{ image }} {{ $HOME }}"), &mut Failing).unwrap();
    assert_eq!(text(&v), "{{ image }} {{ $HOME }}");
}

#[test]
fn deep_templates_render_without_recursion() {
    let mut v = Value::str("{{ prefect.variables.x }}");
    for i in 0..200_000 {
        v = if i % 2 == 0 {
            Value::List(List(vec![v]))
        } else {
            let mut d = Dict::new();
            d.insert(PyStr::from("k"), v);
            Value::Dict(d)
        };
    }
    let mut docs = Counting { calls: 0 };
    let out = render(v, &mut docs).unwrap();
    assert_eq!(docs.calls, 1);
    let mut at = &out;
    loop {
        at = match at {
            Value::List(l) => &l.0[0],
            Value::Dict(d) => d.get("k").unwrap(),
            other => break assert_eq!(text(other), ""),
        };
    }
}

fn found(text: &str) -> Vec<(String, String, Kind)> {
    find_placeholders(&PyStr::from(text))
        .into_iter()
        .map(|p| (p.full_match, p.name, p.kind))
        .collect()
}

fn one(full: &str, name: &str, kind: Kind) -> (String, String, Kind) {
    (full.to_owned(), name.to_owned(), kind)
}

#[test]
fn placeholders_are_found_as_the_regex_finds_them() {
    assert_eq!(
        found("{{ a }} {{b}} {{ prefect.blocks.s.n.k[0] }}{{ prefect.variables.v }}{{ $HOME }}"),
        vec![
            one("{{ a }}", "a", Kind::Standard),
            one("{{b}}", "b", Kind::Standard),
            one(
                "{{ prefect.blocks.s.n.k[0] }}",
                "prefect.blocks.s.n.k[0]",
                Kind::BlockDocument
            ),
            one(
                "{{ prefect.variables.v }}",
                "prefect.variables.v",
                Kind::Variable
            ),
            one("{{ $HOME }}", "$HOME", Kind::EnvVar),
        ]
    );
    // Deduplicated by the text as written, in the order of first appearance.
    assert_eq!(
        found("{{ b }}{{ a }}{{ b }}{{b}}"),
        vec![
            one("{{ b }}", "b", Kind::Standard),
            one("{{ a }}", "a", Kind::Standard),
            one("{{b}}", "b", Kind::Standard),
        ]
    );
    // Braces: the match starts at the last `{{` before the name.
    assert_eq!(
        found("{{{ x }}}"),
        vec![one("{{ x }}", "x", Kind::Standard)]
    );
    assert_eq!(
        found("{{{{ x }}{{ y }}"),
        vec![
            one("{{ x }}", "x", Kind::Standard),
            one("{{ y }}", "y", Kind::Standard)
        ]
    );
    assert_eq!(
        found("{{ x {{ y }}"),
        vec![one("{{ y }}", "y", Kind::Standard)]
    );
    // Python's `\s`: U+001C..U+001F and U+3000 are spaces; U+200B is not.
    assert_eq!(found("{{\x1cx\u{3000}}}").len(), 1);
    assert!(found("{{\u{200b}x }}").is_empty());
    // `\w` beyond ASCII.
    assert_eq!(
        found("{{ prefect.variables.café }}"),
        vec![one(
            "{{ prefect.variables.café }}",
            "prefect.variables.café",
            Kind::Variable
        )]
    );
    // The known difference (docs/templating.md): U+093E, a vowel sign Unicode calls
    // Other_Alphabetic, is `\w` for Rust and not for Python 3.11, which finds nothing here.
    assert_eq!(found("{{ prefect.variables.\u{915}\u{93e} }}").len(), 1);
    for none in [
        "",
        "{{}}",
        "{{ }}",
        "{{ a b }}",
        "{ {a}}",
        "{{a} }",
        "{{a}",
        "{{a)}}",
        "}}{{",
    ] {
        assert!(found(none).is_empty(), "{none:?}");
    }
}

#[test]
fn a_lone_surrogate_is_neither_space_nor_name() {
    let mut s = PyStr::from("{{ a");
    s.push_code_point(0xD800);
    s.push_str(" }} {{ b }}");
    let names: Vec<String> = find_placeholders(&s).into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["b"]);
}

#[test]
fn hostile_text_is_scanned_in_linear_time() {
    // Each of these is a megabyte or more; a quadratic scan would not finish.
    let mega = 1 << 20;
    let texts = [
        "{{".repeat(mega / 2),
        format!("{{{{ {}", "a".repeat(mega)),
        "{{ a ".repeat(mega / 5),
        "{{ a.b[0] ".repeat(mega / 10) + "}}",
        "{{ ".repeat(mega / 3),
        "{{\u{3000}é".repeat(mega / 6),
        "{{ a }".repeat(mega / 6),
    ];
    for t in &texts {
        let n = find_placeholders(&PyStr::from(t.as_str())).len();
        assert!(n <= 1);
    }
    let many = "{{ a }}".repeat(mega / 7);
    assert_eq!(find_placeholders(&PyStr::from(many.as_str())).len(), 1);
    let distinct: String = (0..100_000).map(|i| format!("{{{{ v{i} }}}}")).collect();
    assert_eq!(
        find_placeholders(&PyStr::from(distinct.as_str())).len(),
        100_000
    );
    // Rendering one such string substitutes in one pass.
    let template: String = (0..20_000)
        .map(|i| format!("{{{{ prefect.variables.v{} }}}}x", i % 100))
        .collect();
    let mut docs = Counting { calls: 0 };
    let out = render(Value::str(&template), &mut docs).unwrap();
    assert_eq!(docs.calls, 100);
    assert_eq!(text(&out), "x".repeat(20_000));
}

#[test]
fn values_are_not_rescanned() {
    // A value holding another placeholder's text is not replaced again (Prefect's result
    // here depends on its set's order; docs/templating.md).
    struct Vars;
    impl Documents for Vars {
        fn block_by_name(&mut self, _: &str, _: &str) -> Result<Option<Dict>, Error> {
            Ok(None)
        }
        fn block_by_id(&mut self, _: &str) -> Result<Option<Dict>, Error> {
            Ok(None)
        }
        fn variable(&mut self, name: &str) -> Result<Option<Value>, Error> {
            Ok(Some(Value::str(if name == "a" {
                "{{ prefect.variables.b }}"
            } else {
                "B"
            })))
        }
    }
    let out = render(
        Value::str("{{ prefect.variables.a }}|{{ prefect.variables.b }}"),
        &mut Vars,
    )
    .unwrap();
    assert_eq!(text(&out), "{{ prefect.variables.b }}|B");
}
