//! Where each configuration value came from, recorded while the configuration is built
//! (`flat`, `merge`), never worked out again afterwards: `secret_explain` and
//! `secret_config_view` report it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::keypath::KeyPath;
use crate::pystr::PyStr;
use crate::value::{Dict, Value};

/// The file, variable or call a value was set by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Prefect 0.5.3's bundled `config.toml`.
    Defaults,
    /// A configuration file (the user file, or `secret_config_load_file`), and the line
    /// its key is on. The path is shared by all the values of the file.
    File { path: Arc<str>, line: Option<u32> },
    /// A `PREFECT__*` environment variable.
    Env(String),
    /// A call to this library (`secret_context_set`, a `secret_config_*` setter).
    Api,
}

/// A value's origin and what was done to it on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub origin: Origin,
    /// `$VAR`/`~` expansion changed it.
    pub expanded: bool,
    /// Text of an environment variable other than the home directory's went into it by
    /// `$VAR` expansion (`secret_config_view` then never shows it).
    pub env_text: bool,
    /// The `${key}` references resolved in it, in the order they were resolved.
    pub references: Vec<String>,
}

impl Source {
    pub fn new(origin: Origin) -> Source {
        Source {
            origin,
            expanded: false,
            env_text: false,
            references: Vec::new(),
        }
    }

    pub fn api() -> Source {
        Source::new(Origin::Api)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Defaults => f.write_str("Prefect 0.5.3's defaults"),
            Origin::File {
                path,
                line: Some(n),
            } => write!(f, "{path}, line {n}"),
            Origin::File { path, line: None } => f.write_str(path),
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::Api => f.write_str("this library's API"),
        }
    }
}

impl fmt::Display for Source {
    /// `environment variable X; $VAR/~ expanded; ${a.b} resolved`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        let mut notes = Vec::new();
        if self.expanded {
            notes.push("$VAR/~ expanded".to_string());
        }
        for r in &self.references {
            notes.push(format!("${{{r}}} resolved"));
        }
        for note in notes {
            write!(f, "; {note}")?;
        }
        Ok(())
    }
}

/// The source of every leaf (a value that is not a table), by its path of keys.
pub type Sources = HashMap<KeyPath, Source>;

/// A configuration and where each of its values came from.
#[derive(Clone, Debug, Default)]
pub struct Built {
    pub config: Dict,
    pub sources: Sources,
    /// The configuration files merged in, in order (the user file, then each
    /// `secret_config_load_file`); not the defaults.
    pub files: Vec<String>,
}

/// The sources of `merged`, the result of merging a configuration with sources `over`
/// over one with sources `base` (`config::merge`): a leaf `over` has came from it, any
/// other leaf from `base`. The larger map takes the other's entries (no path is copied,
/// no third map is built), then keeps the leaves of `merged`.
pub fn merged_sources(merged: &Dict, base: Sources, over: Sources) -> Sources {
    let mut out = if base.len() >= over.len() {
        let mut out = base;
        out.extend(over);
        out
    } else {
        let mut out = over;
        for (path, s) in base {
            out.entry(path).or_insert(s);
        }
        out
    };
    out.retain(|path, _| is_leaf(merged, path));
    out
}

/// Whether `path` names a leaf of `table` (a value that is not a table).
fn is_leaf(table: &Dict, path: &KeyPath) -> bool {
    let mut value = None;
    let mut table = Some(table);
    for k in path.keys() {
        value = table.and_then(|t| t.get(k));
        table = value.and_then(Value::as_dict);
    }
    value.is_some_and(|v| !matches!(v, Value::Dict(_)))
}

/// Calls `f` with the path of every leaf below `table`, in order.
pub fn for_each_leaf(table: &Dict, path: &mut Vec<PyStr>, f: &mut impl FnMut(&Vec<PyStr>)) {
    for (k, v) in table.iter() {
        path.push(k.clone());
        match v {
            Value::Dict(d) => for_each_leaf(d, path, f),
            _ => f(path),
        }
        path.pop();
    }
}

/// The source of the value at `path`: its own, or for a table the first of its leaves'.
pub fn source_of<'a>(sources: &'a Sources, path: &[PyStr]) -> Option<&'a Source> {
    let path = KeyPath::of(path);
    sources.get(&path).or_else(|| {
        sources
            .iter()
            .filter(|(k, _)| k.starts_with(&path) && **k != path)
            .min_by_key(|(k, s)| (line_of(s), k.len()))
            .map(|(_, s)| s)
    })
}

/// [`source_of`] for every entry of the table at `table` (by its key), in one pass over
/// `sources`: asking [`source_of`] for each entry in turn would go through all the sources
/// once per entry that is a table (issue 19).
pub fn sources_of_entries<'a>(
    sources: &'a Sources,
    table: &[PyStr],
) -> HashMap<&'a [u8], &'a Source> {
    let prefix = KeyPath::of(table);
    let mut own: HashMap<&[u8], &Source> = HashMap::new();
    // For an entry that is a table: the first of its leaves' sources by line, then depth,
    // in the order `source_of` would meet them (the same map, walked the same way).
    let mut first: HashMap<&[u8], (&Source, (u32, usize))> = HashMap::new();
    for (k, s) in sources {
        if !k.starts_with(&prefix) {
            continue;
        }
        let mut below = k.keys().skip(table.len());
        let Some(entry) = below.next() else {
            continue;
        };
        let depth = table.len() + 1 + below.count();
        if depth == table.len() + 1 {
            own.insert(entry, s);
            continue;
        }
        let rank = (line_of(s), depth);
        match first.get(entry) {
            Some((_, best)) if *best <= rank => {}
            _ => {
                first.insert(entry, (s, rank));
            }
        }
    }
    for (entry, (s, _)) in first {
        own.entry(entry).or_insert(s);
    }
    own
}

/// `cloud.graphql, from environment variable PREFECT__CLOUD__GRAPHQL`, or
/// `cloud.graphql, not set`: a key of the configuration and where its value came from.
pub fn key_and_source(sources: &Sources, path: &[&str]) -> String {
    format!("{}, {}", path.join("."), from_text(sources, path))
}

/// `from environment variable PREFECT__CLOUD__GRAPHQL`, or `not set`: where the value at
/// `path` came from.
pub fn from_text(sources: &Sources, path: &[&str]) -> String {
    match sources.get(&KeyPath::of_strs(path)) {
        Some(source) => format!("from {source}"),
        None => "not set".to_string(),
    }
}

fn line_of(s: &Source) -> u32 {
    match s.origin {
        Origin::File { line: Some(n), .. } => n,
        _ => u32::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(dotted: &str) -> KeyPath {
        KeyPath::new(dotted.split('.'))
    }

    /// A leaf of the merged configuration has the source it had in `over`, or else in
    /// `base`; paths that are no leaf of it have none.
    #[test]
    fn merged_sources_keep_the_leaves_of_the_merge() {
        let (b, o) = (
            Source::new(Origin::Defaults),
            Source::new(Origin::Env("O".into())),
        );
        let sources = |pairs: &[(&str, &Source)]| -> Sources {
            pairs.iter().map(|(k, s)| (path(k), (*s).clone())).collect()
        };
        let merged =
            crate::config::toml_file::parse("b.t = 1\n[a]\nx = 1\ny = 2\n[c]\nz = 3\n", "t")
                .unwrap();
        let expected = sources(&[("a.x", &b), ("a.y", &o), ("c.z", &o), ("b.t", &b)]);
        for (base, over) in [
            (
                sources(&[
                    ("a.x", &b),
                    ("a.y", &b),
                    ("b", &b),
                    ("b.t", &b),
                    ("gone", &b),
                ]),
                sources(&[("a.y", &o), ("c.z", &o), ("c", &o)]),
            ),
            (
                sources(&[("a.x", &b), ("a.y", &b), ("b.t", &b)]),
                sources(&[
                    ("a.y", &o),
                    ("c.z", &o),
                    ("c", &o),
                    ("d", &o),
                    ("a", &o),
                    ("e", &o),
                ]),
            ),
        ] {
            assert_eq!(merged_sources(&merged, base, over), expected);
        }
    }

    /// One pass gives what `source_of` gives entry by entry.
    #[test]
    fn sources_of_entries_is_source_of_for_each() {
        let file = |line| {
            Source::new(Origin::File {
                path: "f".into(),
                line: Some(line),
            })
        };
        let mut sources = Sources::new();
        sources.insert(path("c.s.a"), file(3));
        sources.insert(path("c.s.t.x"), file(9));
        sources.insert(path("c.s.t.y"), file(7));
        sources.insert(path("c.s.t.z.w"), file(7));
        sources.insert(path("c.s.u.deep.er"), Source::new(Origin::Env("E".into())));
        sources.insert(path("c.s.u.v"), file(12));
        sources.insert(path("c.other"), file(1));
        sources.insert(path("c.s"), file(2));
        let table = [PyStr::from("c"), PyStr::from("s")];
        let all = sources_of_entries(&sources, &table);
        assert_eq!(all.len(), 3);
        for name in ["a", "t", "u"] {
            let p = [table[0].clone(), table[1].clone(), PyStr::from(name)];
            assert_eq!(all.get(name.as_bytes()).copied(), source_of(&sources, &p));
        }
        assert_eq!(all[&b"t"[..]], &file(7));
        assert_eq!(all[&b"u"[..]], &file(12));
    }
}
