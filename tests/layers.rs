//! The crate's top-level modules form layers: a request goes down and never climbs back,
//! so no module reaches, through `crate::` paths, a module that reaches it back.
//!
//! Read from the source: every `crate::name` a file of `src/<module>` (or
//! `src/<module>.rs`) names, outside comments and `#[cfg(test)]` code, is an edge
//! from that module to `name`. A cycle fails with the files that make it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

mod support;

use support::source_files::rust_files;

/// Module -> module it names -> the files that name it.
type Edges = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

#[test]
fn no_cycle_between_top_level_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = edges(&src);
    assert!(
        edges.contains_key("ffi") && edges.contains_key("server"),
        "read the modules under {}",
        src.display()
    );
    let order = layers(&edges);
    eprintln!("layers, bottom first:\n{}", order.join("\n"));
    if let Some(cycle) = find_cycle(&edges) {
        let mut why = String::new();
        for pair in cycle.windows(2) {
            let files = &edges[&pair[0]][&pair[1]];
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            why.push_str(&format!(
                "\n  {} -> {} ({})",
                pair[0],
                pair[1],
                files.join(", ")
            ));
        }
        panic!("a cycle between top-level modules:{why}");
    }
}

/// The modules named by each top-level module of `src`.
fn edges(src: &Path) -> Edges {
    let mut edges = Edges::new();
    for file in rust_files(src) {
        let rel = file.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        // The crate root and the command line (a separate program) are not layers.
        if module == "lib" || module == "bin" || rel.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = rel.display().to_string();
        let targets = edges.entry(module.clone()).or_default();
        for name in named_modules(&production_code(&text)) {
            if name != module {
                targets.entry(name).or_default().insert(shown.clone());
            }
        }
    }
    edges
}

/// The text without line comments and without what follows a `#[cfg(test)]` line (the
/// test module sits last in a file, by this crate's convention).
fn production_code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// The first name after each `crate::`, and each name in a `crate::{a, b::c}` group.
fn named_modules(code: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name = ident(item.trim());
                if !name.is_empty() && name != "self" {
                    out.insert(name);
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// A cycle as a path that ends where it starts, if there is one (depth-first search).
fn find_cycle(edges: &Edges) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &Edges,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flat_map(BTreeMap::keys) {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|start| visit(start, edges, &mut Vec::new(), &mut done))
}

/// Each module with what it names, lowest first (a module after everything it names,
/// when there is no cycle).
fn layers(edges: &Edges) -> Vec<String> {
    let mut placed: Vec<String> = Vec::new();
    let mut left: BTreeSet<&String> = edges.keys().collect();
    while !left.is_empty() {
        let ready: Vec<&String> = left
            .iter()
            .copied()
            .filter(|m| {
                edges[*m]
                    .keys()
                    .all(|t| placed.contains(t) || !edges.contains_key(t))
            })
            .collect();
        // A cycle: place the rest as they are (the test fails on it anyway).
        let ready = if ready.is_empty() {
            left.iter().copied().collect()
        } else {
            ready
        };
        for m in ready {
            left.remove(m);
            placed.push(m.clone());
        }
    }
    placed
        .iter()
        .map(|m| {
            let names: Vec<&str> = edges[m].keys().map(String::as_str).collect();
            format!("  {m} -> {}", names.join(", "))
        })
        .collect()
}

#[test]
fn the_reader_sees_paths_and_groups_but_not_comments_or_tests() {
    let code = production_code(
        "use crate::a::B;\nuse crate::{c, d::E, self};\n// crate::f\nlet x = crate::g(1);\n\
         #[cfg(test)]\nmod tests { use crate::h; }\n",
    );
    let names: Vec<String> = named_modules(&code).into_iter().collect();
    assert_eq!(names, ["a", "c", "d", "g"]);
    let mut edges = Edges::new();
    for (from, to) in [("x", "y"), ("y", "z"), ("z", "x"), ("w", "x")] {
        edges
            .entry(from.into())
            .or_default()
            .entry(to.into())
            .or_default()
            .insert(format!("{from}.rs"));
    }
    let cycle = find_cycle(&edges).expect("x -> y -> z -> x");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4);
    edges.get_mut("z").unwrap().clear();
    assert!(find_cycle(&edges).is_none());
}
