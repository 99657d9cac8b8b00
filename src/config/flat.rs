//! Prefect 0.5.3's `load_config_file` after TOML parsing, on a flattened configuration:
//! `PREFECT__*` overrides, `$VAR`/`~` interpolation, `${dotted.key}` references, and the
//! way back to nested tables.

use std::borrow::Cow;

use indexmap::IndexMap;

use super::escape::unicode_escape;
use super::expand::{interpolate_env_var, used_other_variables};
use super::host::Host;
use super::keypath::KeyPath;
use super::source::{Built, Origin, Source, Sources};
use super::toml_file::Lines;
use super::typing::string_to_type;
use super::{ConfigError, Limits, VALUE_OVERHEAD, shown_cap};
// The default caps, named in the documentation (the code applies the `Limits` it is given).
#[cfg(doc)]
use super::{MAX_CONFIG_BYTES, MAX_VALUE_BYTES};
use crate::pyjson::repr::config_str;
use crate::pystr::PyStr;
use crate::value::{Dict, Value};

const ENV_PREFIX: &[u8] = b"PREFECT__";
/// Prefect resolves `${...}` references in at most this many rounds.
const REFERENCE_ROUNDS: usize = 10;

/// A `PREFECT__A__B__...` variable may nest at most this many keys. Deeper configuration
/// is refused: the code that merges and copies tables recurses per level, and Prefect
/// itself fails near 1000 levels (`RecursionError` when a user file is merged).
pub const MAX_KEY_DEPTH: usize = 100;

/// A path of keys (Prefect's `CompoundKey`).
pub type Key = KeyPath;

/// The flattened configuration: leaf paths in Python's dict order, each with its source.
pub struct Flat {
    entries: IndexMap<Key, (Value, Source)>,
    /// How much all values may weigh: [`MAX_CONFIG_BYTES`], or what the file's values
    /// weighed as written when that is more (only growth is refused).
    limit: usize,
    /// The caps as given (for the value cap, and the messages).
    caps: Limits,
}

impl Flat {
    /// `dict_to_flatdict`: leaves in depth-first key order; only tables are descended
    /// into, so an empty table vanishes. Each leaf's source is `file` (`Origin::Defaults`
    /// or `Origin::File`) at the line `lines` gives for it.
    pub fn from_tree(mut tree: Dict, file: &Origin, lines: Lines, caps: Limits) -> Flat {
        let mut entries = IndexMap::new();
        let mut stack = vec![(
            Key::new(Vec::<&[u8]>::new()),
            tree.take_entries(),
            Some(lines.into_entries()),
        )];
        while let Some((prefix, items, lines)) = stack.last_mut() {
            let Some((k, v)) = items.next() else {
                stack.pop();
                continue;
            };
            let (line, below) = lines.as_mut().and_then(Iterator::next).unwrap_or_default();
            let key = prefix.child(k.as_bytes());
            match v {
                Value::Dict(mut d) => {
                    stack.push((key, d.take_entries(), below.map(Lines::into_entries)))
                }
                leaf => {
                    let origin = match file {
                        Origin::File { path, .. } => Origin::File {
                            path: path.clone(),
                            line,
                        },
                        other => other.clone(),
                    };
                    entries.insert(key, (leaf, Source::new(origin)));
                }
            }
        }
        let mut flat = Flat {
            entries,
            limit: 0,
            caps,
        };
        flat.limit = flat.total_weight().max(caps.config_bytes);
        flat
    }

    /// What all values count for together (see [`MAX_CONFIG_BYTES`]).
    fn total_weight(&self) -> usize {
        self.entries
            .values()
            .map(|(v, _)| weight(v))
            .fold(0, usize::saturating_add)
    }

    /// `PREFECT__SECTION__KEY=value` for every such variable, in environment order.
    pub fn apply_env(&mut self, host: &Host) -> Result<(), ConfigError> {
        let mut total = self.total_weight();
        for (name, value) in host.env.iter() {
            let Some(option) = name.as_bytes().strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let var = name.to_string_lossy();
            let fail = |why: &str| {
                ConfigError::new(format!(
                    "environment variable {var}: {why}, so Prefect 0.5.3 would fail to start"
                ))
            };
            let text = value
                .as_str()
                .ok_or_else(|| fail("its value is not valid UTF-8"))?;
            let decoded = unicode_escape(text).map_err(|e| {
                fail(&format!(
                    "its value has {e} (Python's unicode_escape rejects it)"
                ))
            })?;
            let unexpanded = (decoded.as_bytes().iter().any(|b| matches!(b, b'$' | b'~')))
                .then(|| decoded.clone());
            let expanded = interpolate_env_var(Value::Str(decoded), host).map_err(|e| {
                if e.is_over_cap() {
                    // Prefect would not refuse this; say so rather than "fail to start".
                    ConfigError::new(format!("environment variable {var}: {}", e.0))
                } else {
                    fail(&e.0)
                }
            })?;
            let env_text =
                unexpanded.is_some_and(|u| used_other_variables(&Value::Str(u), &expanded, host));
            let typed = match expanded {
                Value::Str(s) => string_to_type(s),
                other => {
                    return Err(fail(&format!(
                        "expanding its $VARIABLES gives a {} instead of text",
                        other.type_name()
                    )));
                }
            };
            let lowered = PyStr::from_gutf8(option.to_vec()).to_lowercase();
            let key = split_bytes(lowered.as_bytes(), b"__");
            if key.len() > MAX_KEY_DEPTH {
                return Err(fail(&format!(
                    "its name nests {} keys, more than the {MAX_KEY_DEPTH} this library accepts",
                    key.len()
                )));
            }
            total = total.saturating_add(weight(&typed));
            let mut source = Source::new(Origin::Env(var.clone()));
            source.env_text = env_text;
            let replaced = self.entries.insert(key, (typed, source));
            total = total.saturating_sub(replaced.map_or(0, |(v, _)| weight(&v)));
            if total > self.limit {
                return Err(over_total(
                    &format!("environment variable {var}"),
                    self.caps,
                ));
            }
        }
        Ok(())
    }

    /// Every value goes through `interpolate_env_var` once more.
    pub fn interpolate(&mut self, host: &Host) -> Result<(), ConfigError> {
        let mut total = self.total_weight();
        for (key, (v, source)) in self.entries.iter_mut() {
            let before = weight(v);
            // Only text can expand; kept to tell whether it did.
            let original = match v {
                Value::Str(s) if s.as_bytes().iter().any(|b| matches!(b, b'$' | b'~')) => {
                    Some(s.clone())
                }
                _ => None,
            };
            let taken = std::mem::replace(v, Value::None);
            *v = interpolate_env_var(taken, host)
                .map_err(|e| ConfigError::new(format!("configuration key {key}: {}", e.0)))?;
            if let Some(original) = original {
                if !matches!(v, Value::Str(s) if *s == original) {
                    source.expanded = true;
                    source.env_text |= used_other_variables(&Value::Str(original), v, host);
                }
            }
            total = total.saturating_add(weight(v)).saturating_sub(before);
            if total > self.limit {
                return Err(over_total(&format!("configuration key {key}"), self.caps));
            }
        }
        Ok(())
    }

    /// `${dotted.key}` references to other keys of the same configuration.
    /// Python walks the keys in hash order; we walk them in file order.
    ///
    /// Ten rounds of one reference per value keep a plain doubling chain small, but a
    /// long value referenced many times still multiplies: no value may grow past
    /// [`MAX_VALUE_BYTES`] and all of them together past [`MAX_CONFIG_BYTES`]. Each check
    /// comes before the text is built, so time and memory stay within those bounds.
    pub fn resolve_references(&mut self) -> Result<(), ConfigError> {
        let mut total = self.total_weight();
        let mut to_check: Vec<usize> = (0..self.entries.len()).collect();
        for _ in 0..REFERENCE_ROUNDS {
            let mut kept = Vec::with_capacity(to_check.len());
            for idx in to_check {
                let Value::Str(s) = &self.entries[idx].0 else {
                    continue;
                };
                let Some(m) = find_reference(s.as_bytes()) else {
                    continue;
                };
                let bytes = s.as_bytes();
                let ref_key = split_bytes(&bytes[m.key.clone()], b".");
                let referenced = self.entries.get(&ref_key).map(|(v, _)| v);
                let whole = m.whole.start == 0 && m.whole.end == bytes.len();
                let over = |what: &str| {
                    let (key, _) = self.entries.get_index(idx).expect("a valid index");
                    ConfigError::over_cap(format!(
                        "configuration key {key}: resolving its ${{...}} references would make {what}"
                    ))
                };
                // The referenced value's text, when it goes into longer text.
                let text = match (whole, referenced) {
                    (true, _) => None,
                    (false, None) => Some(Cow::Owned(PyStr::new())),
                    (false, Some(Value::Str(r))) => Some(Cow::Borrowed(r)),
                    // A list's or table's text is at most a few times its weight, which
                    // is already within the total.
                    (false, Some(other)) => Some(Cow::Owned(config_str(other))),
                };
                // Checked before anything is built.
                let new_weight = match &text {
                    None => referenced.map_or(VALUE_OVERHEAD, weight),
                    Some(r) => {
                        let len = bytes.len() - m.whole.len() + r.byte_len();
                        // Only growth past the cap: text longer as written may shrink.
                        if len > self.caps.value_bytes.max(bytes.len()) {
                            return Err(over(&value_too_long(self.caps)));
                        }
                        len + VALUE_OVERHEAD
                    }
                };
                total = total
                    .saturating_add(new_weight)
                    .saturating_sub(weight(&self.entries[idx].0));
                if total > self.limit {
                    return Err(over(&total_too_large(self.caps)));
                }
                let new = match text {
                    None => referenced.cloned().unwrap_or_else(|| Value::str("")),
                    Some(r) => {
                        let mut t = PyStr::from_gutf8(bytes[..m.whole.start].to_vec());
                        t.push_py(&r);
                        t.push_gutf8(&bytes[m.whole.end..]);
                        Value::Str(t)
                    }
                };
                self.entries[idx].0 = new;
                (self.entries[idx].1.references).push(ref_key.to_string());
                kept.push(idx);
            }
            to_check = kept;
        }
        Ok(())
    }

    /// `flatdict_to_dict`: nested tables again, with the source of each leaf. Setting a
    /// key below a value that is not a table fails in Python (`'str' object does not
    /// support item assignment`).
    pub fn into_tree(self) -> Result<Built, ConfigError> {
        let mut root = Dict::new();
        let mut sources = Sources::with_capacity(self.entries.len());
        for (key, (value, source)) in self.entries {
            let mut keys = key.keys().peekable();
            let mut table = &mut root;
            let mut depth = 0;
            while let Some(k) = keys.next() {
                if keys.peek().is_none() {
                    table.insert(PyStr::from_gutf8(k.to_vec()), value);
                    break;
                }
                if !table.contains_key(k) {
                    table.insert(PyStr::from_gutf8(k.to_vec()), Value::Dict(Dict::new()));
                }
                table = match table.get_mut(k) {
                    Some(Value::Dict(d)) => d,
                    Some(other) => {
                        let from = match &source.origin {
                            Origin::Env(var) => format!(" (from environment variable {var})"),
                            _ => String::new(),
                        };
                        return Err(ConfigError::new(format!(
                            "configuration key {key}{from} cannot be set because {} is a {}, \
                             not a table",
                            key.prefix(depth + 1),
                            other.type_name()
                        )));
                    }
                    None => unreachable!("inserted above"),
                };
                depth += 1;
            }
            sources.insert(key, source);
        }
        Ok(Built {
            config: root,
            sources,
            files: Vec::new(),
        })
    }
}

/// What a value counts for towards [`MAX_CONFIG_BYTES`]: its text (strings and table
/// keys) plus [`VALUE_OVERHEAD`] for itself and for each item it holds.
pub fn weight(v: &Value) -> usize {
    let mut total = 0usize;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        total = total.saturating_add(VALUE_OVERHEAD);
        match v {
            Value::Str(s) => total = total.saturating_add(s.byte_len()),
            Value::List(l) => stack.extend(l.0.iter()),
            Value::Dict(d) => {
                for (k, v) in d.iter() {
                    total = total.saturating_add(k.byte_len());
                    stack.push(v);
                }
            }
            Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        }
    }
    total
}

fn value_too_long(caps: Limits) -> String {
    format!("it longer than {}", shown_cap(caps.value_bytes))
}

fn total_too_large(caps: Limits) -> String {
    format!(
        "the configuration's values add up to more than {}",
        shown_cap(caps.config_bytes)
    )
}

fn over_total(what: &str, caps: Limits) -> ConfigError {
    ConfigError::over_cap(format!(
        "{what}: with it, the configuration's values would add up to more than {}",
        shown_cap(caps.config_bytes)
    ))
}

fn split_bytes(s: &[u8], sep: &[u8]) -> Key {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= s.len() {
        if &s[i..i + sep.len()] == sep {
            parts.push(&s[start..i]);
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(&s[start..]);
    KeyPath::new(parts)
}

struct RefMatch {
    whole: std::ops::Range<usize>,
    key: std::ops::Range<usize>,
}

/// The first match of Prefect's `\${(.[^${}]*)}`: `${`, any one character but a newline,
/// then characters other than `$`, `{` and `}`, then `}`.
fn find_reference(s: &[u8]) -> Option<RefMatch> {
    let mut from = 0;
    while let Some(off) = s.get(from..)?.windows(2).position(|w| w == b"${") {
        let p = from + off;
        from = p + 1;
        let first = p + 2;
        let Some(&b) = s.get(first) else { break };
        if b == b'\n' {
            continue;
        }
        let width = match b {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        let mut j = first + width;
        while j < s.len() && !matches!(s[j], b'$' | b'{' | b'}') {
            j += 1;
        }
        if s.get(j) == Some(&b'}') {
            return Some(RefMatch {
                whole: p..j + 1,
                key: first..j,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(s: &str) -> Option<(String, String)> {
        find_reference(s.as_bytes()).map(|m| (s[m.whole].to_string(), s[m.key].to_string()))
    }

    #[test]
    fn reference_regex_like_python() {
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(found("x${cloud.api}/y"), pair("${cloud.api}", "cloud.api"));
        assert_eq!(found("${}}"), pair("${}}", "}"));
        assert_eq!(found("${}"), None);
        assert_eq!(found("${{a}"), pair("${{a}", "{a"));
        assert_eq!(found("$${a}"), pair("${a}", "a"));
        assert_eq!(found("${\na}"), None);
        assert_eq!(found("${a\nb}"), pair("${a\nb}", "a\nb"));
        assert_eq!(found("${a${b}"), pair("${b}", "b"));
        assert_eq!(found("${é}"), pair("${é}", "é"));
        assert_eq!(found("no refs $x {y}"), None);
    }

    fn flat_of(text: &str) -> Flat {
        let (tree, lines) = super::super::toml_file::parse_with_lines(text, "test").unwrap();
        Flat::from_tree(tree, &Origin::Defaults, lines, Limits::DEFAULT)
    }

    /// The total is kept up to date through every replacement: with a small limit, the
    /// first key whose references pass it is named.
    #[test]
    fn references_count_towards_the_total() {
        let mut text = format!("a = \"{}\"\n", "x".repeat(1000));
        for i in 0..10 {
            text.push_str(&format!("k{i} = \"{}\"\n", "${a}".repeat(10)));
        }
        let mut flat = flat_of(&text);
        let start = flat.total_weight();
        flat.limit = start + 35 * 1000;
        let e = flat.resolve_references().unwrap_err();
        // Round by round each key grows by 1000 - 4: the 36th replacement is one too many,
        // the 6th key in the 4th round.
        assert!(e.0.starts_with("configuration key k5: "), "{}", e.0);
        assert!(e.is_over_cap(), "{}", e.0);

        let mut flat = flat_of(&text);
        flat.limit = start + 100 * 1000;
        flat.resolve_references().unwrap();
        assert!(flat.total_weight() <= flat.limit);
        let Value::Str(k9) = &flat.entries[&KeyPath::of_strs(&["k9"])].0 else {
            panic!("k9 is text");
        };
        assert_eq!(k9.as_str(), Some("x".repeat(10_000).as_str()));
    }

    #[test]
    fn weight_counts_text_and_items() {
        assert_eq!(weight(&Value::str("abc")), VALUE_OVERHEAD + 3);
        assert_eq!(weight(&Value::Bool(true)), VALUE_OVERHEAD);
        let flat = flat_of("l = [[\"ab\"], [1, 2]]\n[t]\nkey = \"v\"\n");
        // Three lists, three items in them, one string beside.
        assert_eq!(flat.total_weight(), 7 * VALUE_OVERHEAD + 2 + 1);
    }

    #[test]
    fn split_like_python() {
        let s = |t: &str, sep: &str| {
            split_bytes(t.as_bytes(), sep.as_bytes())
                .keys()
                .map(|k| String::from_utf8_lossy(k).into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(s("a___b", "__"), ["a", "_b"]);
        assert_eq!(s("", "__"), [""]);
        assert_eq!(s("context__secrets__x", "__"), ["context", "secrets", "x"]);
        assert_eq!(s("a..b", "."), ["a", "", "b"]);
    }
}
