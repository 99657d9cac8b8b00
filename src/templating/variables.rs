//! Prefect 3's `resolve_variables`: the second pass of [`super::render`], over what the
//! block pass made (so a variable placeholder inside a block's value is resolved too).
//!
//! - A string that is one variable placeholder and nothing else becomes the variable's
//!   value, of whatever type (`null` too), or `""` when there is no such variable.
//! - A string with variable placeholders among other text gets `str(value)` in place of
//!   each (a dict or list as Python's `repr` writes it: no error, unlike blocks), or
//!   nothing when there is no such variable; other placeholders stay as written.
//! - The variable's name is the placeholder's name without any `prefect.variables.`
//!   (every occurrence, Python's `str.replace`), dots and all.
//! - Each variable is asked for once per render, a missing one too.

use std::collections::HashMap;

use crate::error::Error;
use crate::pyjson::repr::py_str;
use crate::pystr::PyStr;
use crate::value::Value;

use super::Documents;
use super::placeholders::{Kind, find_placeholders};
use super::substitute::{is_whole, substitute};
use super::tree::{Visit, rewrite};

/// `resolve_variables(template)`.
pub fn resolve(template: Value, docs: &mut dyn Documents) -> Result<Value, Error> {
    let mut pass = Variables {
        docs,
        cache: HashMap::new(),
    };
    rewrite(template, &mut |node| match node {
        Value::Str(s) => pass.string(s).map(Visit::Done),
        other => Ok(Visit::Descend(other)),
    })
}

struct Variables<'d> {
    docs: &'d mut dyn Documents,
    /// By variable name: its value, or `None` when the server has no such variable.
    cache: HashMap<String, Option<Value>>,
}

impl Variables<'_> {
    fn string(&mut self, text: PyStr) -> Result<Value, Error> {
        let found = find_placeholders(&text);
        if !found.iter().any(|p| p.kind == Kind::Variable) {
            return Ok(Value::Str(text));
        }
        if found.len() == 1 && is_whole(&text, &found[0]) {
            return Ok(self
                .read(&found[0].variable_name())?
                .cloned()
                .unwrap_or_else(|| Value::str("")));
        }
        let mut values: HashMap<&[u8], PyStr> = HashMap::new();
        for p in found.iter().filter(|p| p.kind == Kind::Variable) {
            let text = self
                .read(&p.variable_name())?
                .map(py_str)
                .unwrap_or_default();
            values.insert(p.full_match.as_bytes(), text);
        }
        Ok(Value::Str(substitute(&text, |m| values.get(m))))
    }

    /// `read_variable_by_name`, once per render and name.
    fn read(&mut self, name: &str) -> Result<Option<&Value>, Error> {
        if !self.cache.contains_key(name) {
            let value = self.docs.variable(name)?;
            self.cache.insert(name.to_owned(), value);
        }
        Ok(self.cache[name].as_ref())
    }
}
