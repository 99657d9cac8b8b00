//! Prefect 3's `resolve_block_document_references` (without its `value_transformer`,
//! which workers do not pass): the first pass of [`super::render`].
//!
//! - A dict whose `"$ref"` is a dict with a truthy `"block_document_id"` becomes that
//!   block document's data (`read_block_document(id)`), as it is; any other dict is
//!   rebuilt from its resolved values. A `"$ref"` that is not a dict is an error
//!   (Prefect: `AttributeError`, it calls `.get` on it), and so is an id that is a list
//!   or a dict (`TypeError`: unhashable); a number or `true` is asked for as Python's
//!   `str()` writes it (Prefect formats it into the URL).
//! - A string that is one block placeholder and nothing else becomes the value it
//!   names, of whatever type; a string with block placeholders among other text gets
//!   `str(value)` in place of each, and a dict or list value there is an error. Other
//!   placeholders (`{{ prefect.variables.x }}`, `{{ $HOME }}`, `{{ image }}`) stay as
//!   written, and a string without a block placeholder is left as it is.
//! - A placeholder's name loses every `prefect.blocks.` (Python's `str.replace`), then
//!   splits at its first two dots: block type slug, block document name, and an
//!   optional key path (`get_from_dict`'s). Fewer than two parts is an error; so is a
//!   key path that finds nothing, and a block the server does not have.
//! - A document whose data is exactly `{"value": v}` (a system block such as Secret,
//!   String, JSON) stands for `v`, unless the key path is `value` or starts with
//!   `value.` or `value[` (then it is read from the whole data; `values` reads inside
//!   `v`).
//! - Each document is fetched once per render (Prefect's dicts by name and by id).
//!
//! Messages name the placeholder, the block and the key path, never a value.

use std::collections::HashMap;

use crate::error::Error;
use crate::pyjson::repr::py_str;
use crate::pystr::PyStr;
use crate::value::{Dict, Int, Value, get_from_dict};

use super::Documents;
use super::placeholders::{BlockName, Kind, Placeholder, find_placeholders};
use super::substitute::{is_whole, substitute};
use super::tree::{Visit, rewrite};

/// `resolve_block_document_references(template)`.
pub fn resolve(template: Value, docs: &mut dyn Documents) -> Result<Value, Error> {
    let mut pass = Blocks {
        docs,
        by_name: HashMap::new(),
        by_id: HashMap::new(),
    };
    rewrite(template, &mut |node| pass.visit(node))
}

struct Blocks<'d> {
    docs: &'d mut dyn Documents,
    /// By (block type slug, block document name): each document's data.
    by_name: HashMap<(String, String), Value>,
    by_id: HashMap<String, Value>,
}

impl Blocks<'_> {
    fn visit(&mut self, node: Value) -> Result<Visit, Error> {
        match node {
            Value::Dict(d) => match reference(&d)? {
                Some(id) => Ok(Visit::Done(self.by_id(&id)?.clone())),
                None => Ok(Visit::Descend(Value::Dict(d))),
            },
            Value::Str(s) => self.string(s).map(Visit::Done),
            other => Ok(Visit::Descend(other)),
        }
    }

    fn string(&mut self, text: PyStr) -> Result<Value, Error> {
        let found = find_placeholders(&text);
        if !found.iter().any(|p| p.kind == Kind::BlockDocument) {
            return Ok(Value::Str(text));
        }
        if found.len() == 1 && is_whole(&text, &found[0]) {
            return self.placeholder(&found[0]);
        }
        let mut values: HashMap<&[u8], PyStr> = HashMap::new();
        for p in found.iter().filter(|p| p.kind == Kind::BlockDocument) {
            let value = self.placeholder(p)?;
            if let Value::List(_) | Value::Dict(_) = value {
                let kind = if let Value::List(_) = value {
                    "list"
                } else {
                    "dict"
                };
                return Err(Error::client(format!(
                    "the block placeholder {} resolved to a {kind}, which cannot be \
                     substituted inside a longer string; name a scalar attribute instead \
                     (such as '.value' or '.url')",
                    p.full_match
                )));
            }
            values.insert(p.full_match.as_bytes(), py_str(&value));
        }
        Ok(Value::Str(substitute(&text, |m| values.get(m))))
    }

    /// `_resolve_single_placeholder`: the value a block placeholder names.
    fn placeholder(&mut self, p: &Placeholder) -> Result<Value, Error> {
        let Some(BlockName {
            slug,
            name,
            keypath,
        }) = p.block_name()
        else {
            return Err(Error::client(format!(
                "invalid block placeholder {}: expected \
                 prefect.blocks.<block-type-slug>.<block-document-name>",
                p.full_match
            )));
        };
        let keypath = keypath.as_deref();
        let data = self.by_name(&slug, &name, p)?;
        let names_value = keypath.is_some_and(names_value);
        let base = match data {
            Value::Dict(d) if d.len() == 1 && !names_value => d.get("value").unwrap_or(data),
            _ => data,
        };
        match keypath {
            None => Ok(base.clone()),
            Some(k) => get_from_dict(base, k).ok_or_else(|| {
                Error::client(format!(
                    "the block placeholder {}: could not resolve the key path {k:?} in the \
                     data of block '{name}' of type '{slug}'",
                    p.full_match
                ))
            }),
        }
    }

    /// `read_block_document_by_name`, once per render.
    fn by_name(&mut self, slug: &str, name: &str, p: &Placeholder) -> Result<&Value, Error> {
        let key = (slug.to_owned(), name.to_owned());
        if !self.by_name.contains_key(&key) {
            let Some(data) = self.docs.block_by_name(slug, name)? else {
                return Err(Error::client(format!(
                    "block not found: '{name}' of type '{slug}' (named by the placeholder \
                     {}); it may have been deleted",
                    p.full_match
                )));
            };
            self.by_name.insert(key.clone(), Value::Dict(data));
        }
        Ok(&self.by_name[&key])
    }

    /// `read_block_document(id)`, once per render.
    fn by_id(&mut self, id: &str) -> Result<&Value, Error> {
        if !self.by_id.contains_key(id) {
            let Some(data) = self.docs.block_by_id(id)? else {
                return Err(Error::client(format!(
                    "block not found: ID '{id}' (named by a \"$ref\"); it may have been \
                     deleted"
                )));
            };
            self.by_id.insert(id.to_owned(), Value::Dict(data));
        }
        Ok(&self.by_id[id])
    }
}

/// Whether a key path reads the whole data of a one-field `{"value": v}` document rather
/// than inside `v`: `value`, `value.…`, `value[…]` (`values` reads inside `v`).
pub fn names_value(keypath: &str) -> bool {
    keypath == "value" || keypath.starts_with("value.") || keypath.starts_with("value[")
}

/// The block document id of a `{"$ref": {"block_document_id": id}}` dict, when `id` is
/// truthy (Prefect: `tmpl.get("$ref", {}).get("block_document_id")`).
fn reference(d: &Dict) -> Result<Option<String>, Error> {
    let Some(r) = d.get("$ref") else {
        return Ok(None);
    };
    let Value::Dict(r) = r else {
        return Err(Error::client(format!(
            "a \"$ref\" holds a {}, not an object with a \"block_document_id\"",
            kind_name(r)
        )));
    };
    let Some(id) = r.get("block_document_id") else {
        return Ok(None);
    };
    if !truthy(id) {
        return Ok(None);
    }
    match id {
        Value::Str(s) => s.as_str().map(|s| Some(s.to_owned())).ok_or_else(|| {
            Error::client("a \"$ref\" has a block_document_id that is not valid text")
        }),
        Value::List(_) | Value::Dict(_) => Err(Error::client(format!(
            "a \"$ref\" has a block_document_id that is a {} (Prefect: unhashable)",
            kind_name(id)
        ))),
        scalar => Ok(Some(py_str(scalar).to_string_lossy())),
    }
}

/// Python's `bool(v)`.
fn truthy(v: &Value) -> bool {
    match v {
        Value::None => false,
        Value::Bool(b) => *b,
        Value::Int(Int::Small(i)) => *i != 0,
        Value::Int(Int::Big(_)) => true,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::List(l) => !l.0.is_empty(),
        Value::Dict(d) => !d.is_empty(),
    }
}

/// Python's type name of a JSON value, for messages.
fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Dict(_) => "dict",
        other => other.type_name(),
    }
}
