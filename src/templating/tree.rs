//! The walk both passes share: Prefect's `_resolve` recursion over dicts and lists,
//! rebuilding each container in order, but with a stack on the heap (a template from a
//! server may nest deeply; Rust's stack is the host thread's).

use crate::error::Error;
use crate::pystr::PyStr;
use crate::value::{Dict, List, Value};

/// What a pass does with one node of the template.
pub enum Visit {
    /// This is the node's result; do not look inside it (a string's rendering, a `$ref`
    /// dict's block data, a number).
    Done(Value),
    /// Rebuild this list or dict from its items, each visited in turn.
    Descend(Value),
}

/// `template` with every node replaced as `visit` says, depth first and in order (the
/// order Prefect's awaits run in, so the fetches happen in the same order).
pub fn rewrite(
    template: Value,
    visit: &mut dyn FnMut(Value) -> Result<Visit, Error>,
) -> Result<Value, Error> {
    enum Frame {
        List(std::vec::IntoIter<Value>, Vec<Value>),
        Dict(std::vec::IntoIter<(PyStr, Value)>, Dict, Option<PyStr>),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut pending = Some(template);
    loop {
        // Visit the next node: either its result is ready, or it opens a frame.
        let mut ready = match pending.take().map(&mut *visit).transpose()? {
            Some(Visit::Done(v)) => Some(v),
            Some(Visit::Descend(Value::List(mut l))) => {
                let items = std::mem::take(&mut l.0);
                let n = items.len();
                stack.push(Frame::List(items.into_iter(), Vec::with_capacity(n)));
                None
            }
            Some(Visit::Descend(Value::Dict(mut d))) => {
                let n = d.len();
                stack.push(Frame::Dict(d.take_entries(), Dict::with_capacity(n), None));
                None
            }
            Some(Visit::Descend(scalar)) => Some(scalar),
            None => None,
        };
        // Hand results up, closing finished frames, until a frame has another item.
        loop {
            let Some(top) = stack.last_mut() else {
                return Ok(ready.unwrap_or(Value::None));
            };
            if let Some(v) = ready.take() {
                match top {
                    Frame::List(_, out) => out.push(v),
                    Frame::Dict(_, out, key) => {
                        if let Some(k) = key.take() {
                            out.insert(k, v);
                        }
                    }
                }
            }
            let next = match top {
                Frame::List(items, _) => items.next(),
                Frame::Dict(entries, _, key) => entries.next().map(|(k, v)| {
                    *key = Some(k);
                    v
                }),
            };
            if next.is_some() {
                pending = next;
                break;
            }
            ready = match stack.pop() {
                Some(Frame::List(_, out)) => Some(Value::List(List(out))),
                Some(Frame::Dict(_, out, _)) => Some(Value::Dict(out)),
                None => None,
            };
        }
    }
}
