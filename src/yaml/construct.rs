//! The node graph into a [`Value`], as `SafeConstructor` builds Python objects: each
//! node by its tag, mappings flattened of their merge keys (`flatten_mapping`), keys
//! that must be strings, a later key replacing an earlier one in its place.
//!
//! An alias is a copy here (PyYAML shares the object), so what aliases and merge keys
//! produce is bounded: every value made, and every byte of scalar text read to make one,
//! counts against a budget of [`BUDGET_BASE`] plus [`BUDGET_PER_BYTE`] per byte of the
//! template ("billion laughs" documents are refused, not expanded). Iterative; nesting,
//! aliases expanded, is bounded by [`MAX_DEPTH`].

use std::collections::HashSet;

use super::compose::{Content, Graph, Node, NodeId};
use super::resolve::{self, Tag};
use super::scalars::{self, Bad};
use super::{MAX_DEPTH, refuse};
use crate::error::Error;
use crate::pystr::PyStr;
use crate::value::{Dict, List, Value};

/// What any template may produce, besides [`BUDGET_PER_BYTE`] per byte of it.
const BUDGET_BASE: usize = 1 << 20;
/// A document without aliases or merge keys spends at most about two per byte.
const BUDGET_PER_BYTE: usize = 4;

pub(super) fn construct(graph: &Graph, input_len: usize) -> Result<Value, Error> {
    let Some(root) = graph.root else {
        return Ok(Value::None);
    };
    let mut builder = Builder {
        graph,
        flattened: vec![None; graph.nodes.len()],
        left: BUDGET_BASE.saturating_add(input_len.saturating_mul(BUDGET_PER_BYTE)),
    };
    builder.build(root)
}

/// Steps of the construction, on a stack.
enum Step {
    /// Construct this node, at this depth.
    Node(NodeId, usize),
    /// The last `n` values made are a list's items.
    List(usize),
    /// The last values made are the values of these keys, in order.
    Dict(Vec<PyStr>),
}

struct Builder<'g, 'a> {
    graph: &'g Graph<'a>,
    /// Each mapping's pairs once its merge keys are flattened (memoized, as PyYAML's
    /// `flatten_mapping` rewrites the node in place).
    flattened: Vec<Option<Vec<(NodeId, NodeId)>>>,
    /// What may still be produced.
    left: usize,
}

impl<'g, 'a> Builder<'g, 'a> {
    fn node(&self, id: NodeId) -> &'g Node<'a> {
        &self.graph.nodes[id]
    }

    fn spend(&mut self, id: NodeId, amount: usize) -> Result<(), Error> {
        match self.left.checked_sub(amount) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(refuse(
                self.node(id).line,
                "aliases and merge keys expand to more than this template's budget of \
                 values (a \"billion laughs\" document?)",
            )),
        }
    }

    fn build(&mut self, root: NodeId) -> Result<Value, Error> {
        let mut steps = vec![Step::Node(root, 1)];
        let mut made: Vec<Value> = Vec::new();
        while let Some(step) = steps.pop() {
            match step {
                Step::Node(id, depth) => {
                    if depth > MAX_DEPTH {
                        return Err(refuse(
                            self.node(id).line,
                            format!(
                                "nested more than {MAX_DEPTH} levels deep once aliases are \
                                 expanded"
                            ),
                        ));
                    }
                    match &self.node(id).content {
                        Content::Scalar { .. } => made.push(self.scalar(id)?),
                        Content::Seq(items) => {
                            self.collection_tag(id, Tag::Seq)?;
                            self.spend(id, 1 + items.len())?;
                            steps.push(Step::List(items.len()));
                            steps.extend(items.iter().rev().map(|&i| Step::Node(i, depth + 1)));
                        }
                        Content::Map(_) => {
                            self.collection_tag(id, Tag::Map)?;
                            self.flatten(id)?;
                            let pairs = self.flattened[id].clone().unwrap_or_default();
                            self.spend(id, 1 + pairs.len())?;
                            let keys = pairs
                                .iter()
                                .map(|&(k, _)| self.key(k))
                                .collect::<Result<Vec<_>, _>>()?;
                            steps.push(Step::Dict(keys));
                            steps
                                .extend(pairs.iter().rev().map(|&(_, v)| Step::Node(v, depth + 1)));
                        }
                    }
                }
                Step::List(n) => {
                    let items = made.split_off(made.len() - n);
                    made.push(Value::List(List(items)));
                }
                Step::Dict(keys) => {
                    let values = made.split_off(made.len() - keys.len());
                    let mut dict = Dict::with_capacity(keys.len());
                    for (k, v) in keys.into_iter().zip(values) {
                        dict.insert(k, v);
                    }
                    made.push(Value::Dict(dict));
                }
            }
        }
        Ok(made.pop().unwrap_or(Value::None))
    }

    /// The node's tag: its own, or the default of its kind (a plain scalar's, or any
    /// scalar's tagged `!`, from its text).
    fn tag(&self, id: NodeId) -> Result<Tag, Error> {
        let node = self.node(id);
        let specific = node.tag.as_deref().filter(|&t| t != "!");
        match (&node.content, specific) {
            (_, Some(tag)) => Ok(resolve::explicit(tag)),
            (Content::Seq(_), None) => Ok(Tag::Seq),
            (Content::Map(_), None) => Ok(Tag::Map),
            (Content::Scalar { plain: false, .. }, None) if node.tag.is_none() => Ok(Tag::Str),
            (Content::Scalar { text, .. }, None) => {
                // Python's `$` also matches before a last line break: "12\n" (only in a
                // quoted or block scalar tagged `!`) resolves as "12" does, and goes to
                // the constructor whole (whose `int()` and `float()` strip it).
                match text.strip_suffix('\n') {
                    Some(rest) if !rest.is_empty() => Ok(resolve::implicit(rest)),
                    Some(_) => Ok(Tag::Str),
                    None => Ok(resolve::implicit(text)),
                }
            }
        }
    }

    /// Refuses a collection whose tag is not `want` (its kind's).
    fn collection_tag(&self, id: NodeId, want: Tag) -> Result<(), Error> {
        let tag = self.tag(id)?;
        if tag == want {
            return Ok(());
        }
        let line = self.node(id).line;
        Err(refuse(
            line,
            match tag {
                Tag::Set => "!!set (PyYAML makes a Python set, which the value model cannot hold)",
                Tag::Omap | Tag::Pairs if want == Tag::Seq => {
                    "!!omap or !!pairs (PyYAML makes a list of tuples, which the value model \
                     cannot hold)"
                }
                Tag::Other => "a tag yaml.safe_load has no constructor for",
                _ if want == Tag::Seq => "a list tagged as another type (PyYAML refuses it)",
                _ => "a mapping tagged as another type (PyYAML refuses it)",
            },
        ))
    }

    /// A scalar node's value.
    fn scalar(&mut self, id: NodeId) -> Result<Value, Error> {
        let tag = self.tag(id)?;
        let node = self.node(id);
        let line = node.line;
        let Content::Scalar { text, .. } = &node.content else {
            return Err(refuse(line, "a list or mapping where a scalar is expected"));
        };
        let text: &str = text;
        self.spend(id, 1 + text.len())?;
        let what = match tag {
            Tag::Null => return Ok(Value::None),
            Tag::Str => return Ok(Value::Str(PyStr::from(text))),
            Tag::Bool => scalars::bool(text)
                .map(Value::Bool)
                .map_err(|b| (b, "a bool")),
            Tag::Int => scalars::int(text)
                .map(Value::Int)
                .map_err(|b| (b, "an int")),
            Tag::Float => scalars::float(text)
                .map(Value::Float)
                .map_err(|b| (b, "a float")),
            Tag::Merge => {
                return Err(refuse(
                    line,
                    "a merge key (<<) where a value is expected (PyYAML refuses it)",
                ));
            }
            Tag::Value => {
                return Err(refuse(
                    line,
                    "`=` where a value is expected (PyYAML has no constructor for its tag)",
                ));
            }
            Tag::Timestamp => {
                return Err(refuse(
                    line,
                    "a timestamp (PyYAML makes a date or datetime, which the value model \
                     cannot hold: quote it to make it a string)",
                ));
            }
            Tag::Binary => {
                return Err(refuse(
                    line,
                    "!!binary (PyYAML makes bytes, which the value model cannot hold)",
                ));
            }
            Tag::Set | Tag::Omap | Tag::Pairs | Tag::Seq | Tag::Map => {
                return Err(refuse(
                    line,
                    "a scalar tagged as a collection (PyYAML refuses it)",
                ));
            }
            Tag::Other => {
                return Err(refuse(line, "a tag yaml.safe_load has no constructor for"));
            }
        };
        what.map_err(|(bad, kind)| match bad {
            Bad::Refused => refuse(
                line,
                format!("{kind} that PyYAML cannot convert (it refuses the document)"),
            ),
            Bad::NotConverted(why) => {
                refuse(line, format!("{kind} this reader does not convert: {why}"))
            }
        })
    }

    /// A mapping key: a string. PyYAML makes other scalars ints, bools, None... (which a
    /// `Dict` cannot hold) and refuses lists and mappings (unhashable).
    fn key(&mut self, id: NodeId) -> Result<PyStr, Error> {
        let node = self.node(id);
        let line = node.line;
        match &node.content {
            Content::Scalar { text, .. } => {
                if self.tag(id)? == Tag::Value {
                    // `flatten_mapping` makes a `=` key a string.
                    let key = PyStr::from(&**text);
                    self.spend(id, 1 + text.len())?;
                    return Ok(key);
                }
                match self.scalar(id)? {
                    Value::Str(s) => Ok(s),
                    other => Err(refuse(
                        line,
                        format!(
                            "a mapping key that is not a string (PyYAML makes it a Python {}, which \
                             the value model cannot hold: quote it)",
                            match other {
                                Value::Dict(_) => "dict",
                                v => v.type_name(),
                            }
                        ),
                    )),
                }
            }
            _ => Err(refuse(
                line,
                "a mapping key that is a list or a mapping (PyYAML refuses it)",
            )),
        }
    }

    /// `flatten_mapping` on mapping `id` (and, first, on the mappings it merges): its
    /// pairs with each `<<: mapping` and `<<: [mapping, ...]` replaced by the merged
    /// mappings' pairs, put before its own. PyYAML 6.0.4 keeps a merged pair only when no
    /// earlier merged pair has the same key object (`id(key_node.value)`): the same key
    /// node, or two keys of the same text that Python keeps once (empty, or one
    /// character below U+0100, see [`Identity`]); other merged pairs all go in, and a
    /// later key wins. So `<<: [*a, *b]` takes `b`'s value of a key `image` both have,
    /// and `a`'s of a key `i`. Iterative, since merges may chain.
    fn flatten(&mut self, id: NodeId) -> Result<(), Error> {
        let mut pending = vec![id];
        while let Some(&top) = pending.last() {
            if self.flattened[top].is_some() {
                pending.pop();
                continue;
            }
            let Content::Map(pairs) = &self.node(top).content else {
                unreachable!("only mappings are flattened");
            };
            // The mappings merged here, in order.
            let mut sources = Vec::new();
            let mut own = Vec::new();
            for &(k, v) in pairs {
                if self.tag(k)? != Tag::Merge {
                    own.push((k, v));
                    continue;
                }
                match &self.node(v).content {
                    Content::Map(_) => sources.push(v),
                    Content::Seq(items) => {
                        for &item in items {
                            if !matches!(self.node(item).content, Content::Map(_)) {
                                return Err(refuse(
                                    self.node(item).line,
                                    "a merge key's list holds something other than a \
                                     mapping (PyYAML refuses it)",
                                ));
                            }
                            sources.push(item);
                        }
                    }
                    Content::Scalar { .. } => {
                        return Err(refuse(
                            self.node(v).line,
                            "a merge key (<<) whose value is not a mapping or a list of \
                             mappings (PyYAML refuses it)",
                        ));
                    }
                }
            }
            let missing: Vec<NodeId> = sources
                .iter()
                .copied()
                .filter(|&s| self.flattened[s].is_none())
                .collect();
            if !missing.is_empty() {
                pending.extend(missing);
                continue;
            }
            let mut seen = HashSet::new();
            let mut all = Vec::new();
            for s in sources {
                let n = self.flattened[s].as_ref().map_or(0, Vec::len);
                self.spend(top, n)?;
                let merged = self.flattened[s].as_deref().unwrap_or_default();
                for &(k, v) in merged {
                    if seen.insert(Identity::of(self.node(k), k)) {
                        all.push((k, v));
                    }
                }
            }
            all.extend(own);
            self.spend(top, all.len())?;
            self.flattened[top] = Some(all);
            pending.pop();
        }
        Ok(())
    }
}

/// What `id(key_node.value)` tells apart, for a merged key: the node, except that
/// CPython keeps one `str` object for the empty string and for each one-character string
/// below U+0100 (PyYAML makes such a key's text by slicing or from one escape, which gives
/// that object).
#[derive(PartialEq, Eq, Hash)]
enum Identity<'t> {
    Node(NodeId),
    Shared(&'t str),
}

impl<'t> Identity<'t> {
    fn of(node: &'t Node<'_>, id: NodeId) -> Self {
        match &node.content {
            Content::Scalar { text, .. } => {
                let mut chars = text.chars();
                match (chars.next(), chars.next()) {
                    (None, _) => Identity::Shared(text),
                    (Some(c), None) if u32::from(c) < 0x100 => Identity::Shared(text),
                    _ => Identity::Node(id),
                }
            }
            _ => Identity::Node(id),
        }
    }
}
