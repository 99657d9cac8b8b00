//! YAML job-variable templates: read as PyYAML's `yaml.safe_load` reads them (Prefect 3
//! loads a deployment's job variables with it), and the rendered value written back as
//! YAML that `yaml.safe_load` reads as exactly that value.
//!
//! The syntax is `saphyr_parser`'s event stream; what PyYAML does on top of it is here,
//! from PyYAML 6.0's own code (`yaml/resolver.py`, `yaml/constructor.py`'s
//! `SafeConstructor`, `yaml/composer.py`, `yaml/reader.py`):
//!
//! - `source`: the text as PyYAML's reader takes it (UTF-8, its printable characters, no
//!   YAML 1.1 line breaks, a `%YAML 1.x` directive), positions, anchor names.
//! - `compose`: events into a node graph (one document, anchors and aliases shared,
//!   bounded depth).
//! - `resolve`: the tag of each node (PyYAML's implicit resolvers on plain scalars).
//! - `scalars`: the constructors of `!!int`, `!!float`, `!!bool` (Python's `int()` and
//!   `float()` where PyYAML calls them); `digits`: ints past 128 bits.
//! - `construct`: the node graph into a [`Value`] (merge keys, string keys, budget).
//! - `emit`: a [`Value`] as block YAML.
//!
//! What the value model cannot hold (timestamps, `!!binary`, `!!set`, `!!omap`,
//! `!!pairs`, keys that are not strings, recursive structures) and what PyYAML refuses
//! are errors naming the line and the kind of thing, never a value. `docs/templating.md`
//! lists them.

use std::fmt::Display;

use crate::error::Error;
use crate::value::Value;

mod compose;
mod construct;
mod digits;
mod emit;
mod resolve;
mod scalars;
mod source;

/// The deepest nesting read, in the text and once aliases are expanded. PyYAML's
/// composer and constructor recurse, and fail (`RecursionError`) near 490 levels when
/// called with an empty stack; Prefect calls it with a deeper one.
pub const MAX_DEPTH: usize = 200;

/// Reads a YAML document as `yaml.safe_load` does. An empty stream is `None`.
pub fn load(text: &[u8]) -> Result<Value, Error> {
    let text = source::check(text)?;
    let graph = compose::compose(text)?;
    construct::construct(&graph, text.len())
}

/// Writes `v` as a YAML document ending with a newline, which `yaml.safe_load` reads as
/// `v`: block style, strings double-quoted.
pub fn dump(v: &Value, out: &mut Vec<u8>) {
    emit::dump(v, out)
}

/// An error about the template at `line` (1-based).
fn refuse(line: usize, what: impl Display) -> Error {
    Error::invalid_argument(format!("the YAML template, line {line}: {what}"))
}

#[cfg(test)]
mod tests;
