//! The parser's events into a graph of nodes, as PyYAML's composer builds it: one
//! document, each alias the very node its anchor names (shared, not copied), anchors
//! named once. Iterative, with the depth bounded ([`MAX_DEPTH`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use super::source::{Offsets, anchor_name, check_tabs, quoted_end, skip_properties};
use super::{MAX_DEPTH, refuse};
use crate::error::Error;

/// An index into [`Graph::nodes`].
pub(super) type NodeId = usize;

pub(super) enum Content<'a> {
    /// The scalar's text, and whether it was plain (unquoted, not a block scalar): only
    /// plain scalars have their type resolved from their text.
    Scalar {
        text: Cow<'a, str>,
        plain: bool,
    },
    Seq(Vec<NodeId>),
    Map(Vec<(NodeId, NodeId)>),
}

pub(super) struct Node<'a> {
    pub content: Content<'a>,
    /// The tag as written, resolved to its full name (`!!int` is
    /// `tag:yaml.org,2002:int`); `!` alone is `Some("!")`.
    pub tag: Option<String>,
    /// Where the node starts (1-based).
    pub line: usize,
}

/// A document's nodes. Aliases only name nodes composed before them, so the graph has
/// no cycle.
pub(super) struct Graph<'a> {
    pub nodes: Vec<Node<'a>>,
    /// `None`: the stream holds no document (PyYAML's `None`).
    pub root: Option<NodeId>,
}

/// An open collection: its node, whether it is a flow collection (`[...]`, `{...}`, or
/// inside one), and a mapping's key waiting for its value.
struct Open {
    node: NodeId,
    flow: bool,
    key: Option<NodeId>,
}

pub(super) fn compose(text: &str) -> Result<Graph<'_>, Error> {
    let mut composer = Composer {
        text,
        offsets: Offsets::new(text),
        graph: Graph {
            nodes: Vec::new(),
            root: None,
        },
        open: Vec::new(),
        anchors: HashMap::new(),
        names: HashSet::new(),
        quoted: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0;
    loop {
        let (event, span) = match parser.next_event() {
            None => break,
            Some(Ok(next)) => next,
            Some(Err(e)) => {
                let at = e.marker();
                return Err(refuse(
                    at.line(),
                    format!("{} (column {})", e.info(), at.col() + 1),
                ));
            }
        };
        match event {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(refuse(
                        span.start.line(),
                        "a second document (yaml.safe_load reads a stream of one)",
                    ));
                }
            }
            Event::Alias(id) => composer.alias(id, span)?,
            Event::Scalar(value, style, anchor, tag) => {
                let value = composer.scalar(value, style, anchor, tag.is_some(), span)?;
                let plain = matches!(style, ScalarStyle::Plain);
                composer.node(Content::Scalar { text: value, plain }, anchor, tag, span)?;
            }
            Event::SequenceStart(anchor, tag) => {
                composer.node(Content::Seq(Vec::new()), anchor, tag, span)?;
            }
            Event::MappingStart(anchor, tag) => {
                composer.node(Content::Map(Vec::new()), anchor, tag, span)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                composer.open.pop();
            }
        }
    }
    check_tabs(text, &composer.quoted)?;
    Ok(composer.graph)
}

struct Composer<'a> {
    text: &'a str,
    offsets: Offsets<'a>,
    graph: Graph<'a>,
    open: Vec<Open>,
    /// The parser's anchor ids, to the nodes they name.
    anchors: HashMap<usize, NodeId>,
    /// The anchor names seen (PyYAML refuses a name given twice).
    names: HashSet<&'a str>,
    /// The byte ranges of quoted scalars and of block scalars' text, in order: where
    /// PyYAML reads a tab.
    quoted: Vec<(usize, usize)>,
}

impl<'a> Composer<'a> {
    /// What the parser reads in a scalar and PyYAML does not: a plain scalar in a flow
    /// collection holding `?` or starting with `:` (PyYAML ends it there, or refuses
    /// it); a block scalar at the top whose text starts at column 0 (PyYAML wants it
    /// indented). Notes where a quoted or block scalar's text is. A block scalar ending
    /// the template on a line of text without a line break ends without one (PyYAML
    /// keeps the line break that is not there: none).
    fn scalar(
        &mut self,
        value: Cow<'a, str>,
        style: ScalarStyle,
        anchor: usize,
        tagged: bool,
        span: Span,
    ) -> Result<Cow<'a, str>, Error> {
        let line = span.start.line();
        let block = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded);
        if matches!(style, ScalarStyle::Plain) {
            let flow = self.open.last().is_some_and(|o| o.flow);
            let indicator = value.starts_with([
                ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
            ]);
            if indicator || flow && (value.contains('?') || value.starts_with(':')) {
                return Err(refuse(
                    line,
                    "an unquoted string starting with an indicator, or inside [ ] or { } \
                     holding ? or starting with : (PyYAML reads it differently: quote it)",
                ));
            }
            return Ok(value);
        }
        // The event starts at the node's properties, if any, else at its text: for a
        // block scalar, its first line of text after the indentation (or its header,
        // `|` or `>`, when it has no text).
        let properties = anchor != 0 || tagged;
        let start = self.offsets.byte(span.start.index());
        let end = self.offsets.byte(span.end.index());
        let text = self.text;
        let line_start = |at: usize| text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let mut text_start = if properties {
            skip_properties(text, start)
        } else {
            start
        };
        if block {
            if value.is_empty() {
                return Ok(value);
            }
            let at_header = properties
                || !text[line_start(start)..start].bytes().all(|b| b == b' ')
                || matches!(text.as_bytes().get(start), Some(&c @ (b'|' | b'>'))
                    if !value.starts_with(char::from(c)));
            if at_header {
                text_start = text[text_start..end]
                    .find('\n')
                    .map_or(end, |i| text_start + i + 1);
            }
            if self.open.is_empty() {
                let first = text_start
                    + text[text_start..end]
                        .find(|c| !matches!(c, ' ' | '\r' | '\n'))
                        .unwrap_or(end - text_start);
                if first < end && first == line_start(first) {
                    return Err(refuse(
                        line,
                        "a block scalar at the top whose text starts at column 0 (PyYAML \
                         wants it indented)",
                    ));
                }
            }
        }
        // A quoted scalar's event may end past what follows its closing quote.
        let end = if block {
            end
        } else {
            quoted_end(text, text_start)
        };
        self.quoted.push((text_start, end));
        if block && end == text.len() && !text.ends_with(['\n', '\r']) {
            let last_line = &text[line_start(text.len())..];
            if last_line.bytes().all(|b| b == b' ') {
                // Part of the scalar or not depending on its indentation, which PyYAML
                // and the parser read differently at the very end.
                return Err(refuse(
                    line,
                    "a block scalar ending the template on a line of spaces without a \
                     line break (end the template with a line break)",
                ));
            }
            if let Some(kept) = value.strip_suffix('\n') {
                let kept = kept.len();
                return Ok(match value {
                    Cow::Borrowed(v) => Cow::Borrowed(&v[..kept]),
                    Cow::Owned(mut v) => {
                        v.truncate(kept);
                        Cow::Owned(v)
                    }
                });
            }
        }
        Ok(value)
    }

    /// A new node, anchored when `anchor` is not 0, put in its place; a collection is
    /// then open until its end event.
    fn node(
        &mut self,
        content: Content<'a>,
        anchor: usize,
        tag: Option<Cow<'a, Tag>>,
        span: Span,
    ) -> Result<(), Error> {
        let line = span.start.line();
        let collection = !matches!(content, Content::Scalar { .. });
        if collection && self.open.len() >= MAX_DEPTH {
            return Err(refuse(
                line,
                format!("nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        let tag = match tag {
            None => None,
            Some(t) => {
                let full = format!("{}{}", t.handle, t.suffix);
                if full.contains('%') {
                    return Err(refuse(line, "a tag with %-escapes"));
                }
                Some(full)
            }
        };
        let flow = collection
            && (self.open.last().is_some_and(|o| o.flow) || {
                // A flow collection's start event ends right after its `[` or `{`.
                let end = span.end.index();
                end > span.start.index() && {
                    let at = self.offsets.byte(end - 1);
                    matches!(self.text.as_bytes().get(at), Some(b'[' | b'{'))
                }
            });
        let id = self.graph.nodes.len();
        self.graph.nodes.push(Node { content, tag, line });
        if anchor != 0 {
            let at = self.offsets.byte(span.start.index());
            let name = anchor_name(self.text, at, '&').map_err(|()| {
                refuse(
                    line,
                    "an anchor name PyYAML reads differently (it takes letters, digits, - \
                     and _, followed by a space)",
                )
            })?;
            if !self.names.insert(name) {
                return Err(refuse(
                    line,
                    "an anchor name given a second time (PyYAML refuses it)",
                ));
            }
            self.anchors.insert(anchor, id);
        }
        self.place(id);
        if collection {
            self.open.push(Open {
                node: id,
                flow,
                key: None,
            });
        }
        Ok(())
    }

    /// `*name`: the anchored node itself, once it is complete.
    fn alias(&mut self, anchor: usize, span: Span) -> Result<(), Error> {
        let line = span.start.line();
        let at = self.offsets.byte(span.start.index());
        anchor_name(self.text, at, '*').map_err(|()| {
            refuse(
                line,
                "an alias name PyYAML reads differently (it takes letters, digits, - and _)",
            )
        })?;
        let Some(&id) = self.anchors.get(&anchor) else {
            return Err(refuse(line, "an alias to no anchor"));
        };
        if self.open.iter().any(|o| o.node == id) {
            return Err(refuse(
                line,
                "an alias inside the node its anchor names (a recursive structure, which \
                 the value model cannot hold)",
            ));
        }
        self.place(id);
        Ok(())
    }

    /// Puts node `id` in the open collection (as a mapping's key, or its value), or at
    /// the root.
    fn place(&mut self, id: NodeId) {
        let Some(open) = self.open.last_mut() else {
            self.graph.root = Some(id);
            return;
        };
        match &mut self.graph.nodes[open.node].content {
            Content::Seq(items) => items.push(id),
            Content::Map(pairs) => match open.key.take() {
                Some(key) => pairs.push((key, id)),
                None => open.key = Some(id),
            },
            Content::Scalar { .. } => unreachable!("only collections are open"),
        }
    }
}
