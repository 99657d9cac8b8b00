//! Reading a Prefect `config.toml` as Python's `toml` 0.10.2 (which Prefect 0.5.3 uses)
//! reads it, on top of the `toml` crate (0.8, TOML 1.0: later versions accept TOML 1.1's
//! `\e` and `\x` escapes and second-less times, which 0.10.2 refuses): the file is read
//! as UTF-8 text with universal
//! newlines, top-level keys are lowercased, arrays must hold one kind of value, dates and
//! times become the text Python's `str()` gives them, and `-0.0` loses its sign.
//!
//! A big file is parsed a piece at a time (see `chunks`): `toml_edit`'s document of a
//! whole file takes some 80 times the file's size (a 6 MB file of small tables, 500 MB),
//! and only the values are kept. The pieces are put together as the parser would have
//! put the whole, and any piece or step that is not plainly the same as the parser's is
//! answered by parsing the whole file after all, so that nothing (a value, an order, a
//! line, an error and its message) differs from one parse of the whole.

use std::collections::HashMap;
use std::ops::Range;

use serde::Deserialize;
use zeroize::Zeroizing;

use super::ConfigError;
use crate::pystr::PyStr;
use crate::value::{Dict, Int, List, Value};

/// The line (from 1) each key of a file is set on, kept beside the tables it is for: the
/// line of each entry of a table by its position, and the lines below those entries that
/// are tables (or inline tables; arrays, of tables too, are not looked into). Four bytes a
/// key, where a map from each key's whole path took some 150.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Lines {
    /// By entry: its line, 0 when not known.
    lines: Vec<u32>,
    /// The lines of the entries that are tables, by entry position (ascending).
    tables: Vec<(usize, Lines)>,
}

impl Lines {
    /// The line of the table's `i`-th entry.
    pub fn line(&self, i: usize) -> Option<u32> {
        self.lines.get(i).copied().filter(|&l| l != 0)
    }

    /// The lines of the table at the `i`-th entry.
    pub fn table(&self, i: usize) -> Option<&Lines> {
        let at = self.tables.binary_search_by_key(&i, |(j, _)| *j).ok()?;
        Some(&self.tables[at].1)
    }

    fn table_mut(&mut self, i: usize) -> Option<&mut Lines> {
        let at = self.tables.binary_search_by_key(&i, |(j, _)| *j).ok()?;
        Some(&mut self.tables[at].1)
    }

    /// The line of the key at `path` in `tree`, the tables these are the lines of.
    pub fn of(&self, tree: &Dict, path: &[PyStr]) -> Option<u32> {
        let (last, parents) = path.split_last()?;
        let (mut table, mut lines) = (tree, self);
        for k in parents {
            let i = table.get_index_of(k)?;
            table = table.get_index(i)?.1.as_dict()?;
            lines = lines.table(i)?;
        }
        lines.line(table.get_index_of(last)?)
    }

    /// Each entry's line and the lines of its table, in order.
    pub fn into_entries(self) -> LineEntries {
        LineEntries {
            lines: self.lines.into_iter().enumerate(),
            tables: self.tables.into_iter().peekable(),
        }
    }

    /// Adds the next entry's line.
    fn push(&mut self, line: u32, table: Option<Lines>) {
        if let Some(t) = table {
            self.tables.push((self.lines.len(), t));
        }
        self.lines.push(line);
    }

    /// Replaces the `i`-th entry's line.
    fn set(&mut self, i: usize, line: u32, table: Option<Lines>) {
        self.lines[i] = line;
        match (self.tables.binary_search_by_key(&i, |(j, _)| *j), table) {
            (Ok(at), Some(t)) => self.tables[at].1 = t,
            (Ok(at), None) => {
                self.tables.remove(at);
            }
            (Err(at), Some(t)) => self.tables.insert(at, (i, t)),
            (Err(_), None) => {}
        }
    }
}

/// [`Lines::into_entries`].
pub struct LineEntries {
    lines: std::iter::Enumerate<std::vec::IntoIter<u32>>,
    tables: std::iter::Peekable<std::vec::IntoIter<(usize, Lines)>>,
}

impl Iterator for LineEntries {
    /// The entry's line, and the lines below it when it is a table.
    type Item = (Option<u32>, Option<Lines>);

    fn next(&mut self) -> Option<Self::Item> {
        let (i, line) = self.lines.next()?;
        let table = self.tables.next_if(|(j, _)| *j == i).map(|(_, t)| t);
        Some(((line != 0).then_some(line), table))
    }
}

/// Parses the text of a configuration file; `source` names it in messages.
pub fn parse(text: &str, source: &str) -> Result<Dict, ConfigError> {
    parse_with_lines(text, source).map(|(tables, _)| tables)
}

/// How much text one piece of a big file holds (more when one value is longer): small
/// enough that its document is about a megabyte, big enough that the pieces cost nothing.
const CHUNK_BYTES: usize = 16 << 10;

/// [`parse`], also giving the line each key is set on: both come from the one parse.
pub fn parse_with_lines(text: &str, source: &str) -> Result<(Dict, Lines), ConfigError> {
    parse_in_chunks_of(text, source, CHUNK_BYTES)
}

/// [`parse_with_lines`] with pieces of `chunk` bytes (the tests make them tiny).
fn parse_in_chunks_of(
    text: &str,
    source: &str,
    chunk: usize,
) -> Result<(Dict, Lines), ConfigError> {
    if text.starts_with('\u{feff}') {
        return Err(ConfigError::new(format!(
            "{source}: starts with a byte-order mark, which Prefect 0.5.3's TOML reader rejects"
        )));
    }
    let normalized;
    let text = if text.contains('\r') {
        normalized = universal_newlines(text);
        normalized.as_str()
    } else {
        text
    };
    let index = LineIndex::new(text);
    let (tables, lines) = match in_chunks(text, &index, chunk) {
        Ok(parsed) => parsed,
        Err(NotAlone) => whole(text, &index, source)?,
    };
    Ok(lowercase_top_level(tables, lines))
}

/// Python's universal newlines: `\r\n` and `\r` become `\n`. The copy is wiped when
/// dropped, as the file's bytes are (it never grows past its first buffer, so no other
/// buffer holds it).
fn universal_newlines(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut rest = text;
    while let Some(at) = rest.find('\r') {
        out.push_str(&rest[..at]);
        out.push('\n');
        rest = &rest[at + 1..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    out.push_str(rest);
    out
}

/// The tables as `toml` 0.10.2 gives them: top-level keys lowercased, a later key that
/// lowercases the same replacing the earlier one's value where that one was.
fn lowercase_top_level(tables: Dict, lines: Lines) -> (Dict, Lines) {
    let mut tables = tables;
    let mut out = Dict::with_capacity(tables.len());
    let mut out_lines = Lines::default();
    let mut lines = lines.into_entries();
    for (k, v) in tables.take_entries() {
        let (line, below) = lines.next().unwrap_or((None, None));
        // TOML keys are text: lossless.
        let key = PyStr::from(k.to_string_lossy().to_lowercase());
        let line = line.unwrap_or(0);
        match out.get_index_of(&key) {
            Some(i) => {
                out.insert(key, v);
                out_lines.set(i, line, below);
            }
            None => {
                out.insert(key, v);
                out_lines.push(line, below);
            }
        }
    }
    (out, out_lines)
}

/// The message for a file `toml_edit` (or the conversion to `toml`'s tables) refuses.
fn invalid(e: toml_edit::de::Error, text: &str, index: &LineIndex, source: &str) -> ConfigError {
    // The first line of the message only: later lines may quote the file.
    let what = e
        .message()
        .lines()
        .next()
        .unwrap_or("invalid TOML")
        .to_string();
    let at = match e.span() {
        Some(span) => {
            let at = span.start.min(text.len());
            let (line, start) = index.line_and_start(at);
            let col = text[start..at].chars().count() + 1;
            format!(" (line {line}, column {col})")
        }
        None => String::new(),
    };
    ConfigError::new(format!("{source}: invalid TOML: {what}{at}"))
}

/// The whole text in one parse: what `toml::from_str` does, in two steps so the
/// document's spans can be read. Top-level keys as written.
fn whole(text: &str, index: &LineIndex, source: &str) -> Result<(Dict, Lines), ConfigError> {
    let invalid = |e| invalid(e, text, index, source);
    let doc =
        toml_edit::ImDocument::parse(text).map_err(|e| invalid(toml_edit::de::Error::from(e)))?;
    let lines = lines_of(doc.as_table(), index, 0);
    let table =
        toml::Table::deserialize(toml_edit::de::Deserializer::from(doc)).map_err(invalid)?;
    let mut out = Dict::with_capacity(table.len());
    for (k, v) in table {
        let value = convert(v)
            .map_err(|why| ConfigError::new(format!("{source}: under key `{k}`: {why}")))?;
        out.insert(PyStr::key(k), value);
    }
    Ok((out, lines))
}

/// The lines of every key below `table` (tables and leaves alike); `offset` is where
/// the text `table` was parsed from starts in the file.
fn lines_of(table: &dyn toml_edit::TableLike, index: &LineIndex, offset: usize) -> Lines {
    let mut out = Lines {
        lines: Vec::with_capacity(table.len()),
        tables: Vec::new(),
    };
    for (k, item) in table.iter() {
        let span = table
            .get_key_value(k)
            .and_then(|(key, _)| key.span())
            .or_else(|| item.span());
        let line = span.map_or(0, |span| {
            u32::try_from(index.line(offset + span.start)).unwrap_or(u32::MAX)
        });
        let below = item
            .as_table_like()
            .map(|inner| lines_of(inner, index, offset));
        out.push(line, below);
    }
    out
}

/// A piece cannot stand for its part of the whole: the whole is parsed instead.
struct NotAlone;

/// The entries of a table that later text may still add to, as the parser tells them
/// apart from the rest (a value, an inline table: closed).
#[derive(Default)]
struct Shape {
    open: HashMap<PyStr, Open>,
}

enum Open {
    /// A header's table: `[a.b]` makes `a` implicitly (a later `[a]` may still define
    /// it) and `b`; later headers reach into both.
    Table { implicit: bool, shape: Shape },
    /// `[[a]]`: more `[[a]]` add tables to it, and later headers reach into its last.
    Array { last: Shape },
    /// A table made by dotted keys (`d.e = 1`): later keys of the same body add to it.
    Dotted(Shape),
}

/// The open entries below `table`, and the path of the table the last header made (the
/// table the keys after it went into), with that header's position in the document.
fn shape_of(table: &toml_edit::Table) -> (Shape, Option<(usize, Vec<PyStr>)>) {
    let mut shape = Shape::default();
    let mut last: Option<(usize, Vec<PyStr>)> = None;
    let mut later = |found: Option<(usize, Vec<PyStr>)>, key: &str| {
        if let Some((pos, mut path)) = found {
            if last.as_ref().is_none_or(|(p, _)| pos > *p) {
                path.insert(0, PyStr::from(key));
                last = Some((pos, path));
            }
        }
    };
    // The later of a table's own header and the last header below it.
    let latest = |t: &toml_edit::Table, below: Option<(usize, Vec<PyStr>)>| {
        let own = t.position().map(|p| (p, Vec::new()));
        own.into_iter().chain(below).max_by_key(|(p, _)| *p)
    };
    for (k, item) in table.iter() {
        let open = match item {
            // A header may have reached through it (`b.c = 1`, then `[a.b.d]`).
            toml_edit::Item::Table(t) if t.is_dotted() => {
                let (inner, inner_last) = shape_of(t);
                later(inner_last, k);
                Open::Dotted(inner)
            }
            toml_edit::Item::Table(t) => {
                let (inner, inner_last) = shape_of(t);
                later(latest(t, inner_last), k);
                Open::Table {
                    implicit: t.is_implicit(),
                    shape: inner,
                }
            }
            toml_edit::Item::ArrayOfTables(a) => {
                let (inner, inner_last) = match a.iter().last() {
                    Some(t) => {
                        let (inner, inner_last) = shape_of(t);
                        (inner, latest(t, inner_last))
                    }
                    None => (Shape::default(), None),
                };
                later(inner_last, k);
                Open::Array { last: inner }
            }
            _ => continue,
        };
        shape.open.insert(PyStr::from(k), open);
    }
    (shape, last)
}

/// One piece of the text to parse on its own.
struct Chunk {
    range: Range<usize>,
    /// Keys only, which go on with the body of the table the last header before made.
    continues: bool,
}

/// The text in pieces of about `size` bytes, cut where an expression (a key and its
/// value, a header, a comment) starts; a piece that does not start with a header is the
/// rest of the body before, and holds no header.
///
/// The cuts are found by a scan that knows strings, comments and brackets. It needs to be
/// right only to be useful: a piece that parses on its own ends where the parser ends an
/// expression (the same bytes parse the same way), so a wrong cut makes a piece fail, and
/// the whole is parsed instead.
fn chunks(text: &str, size: usize) -> Vec<Chunk> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut continues) = (0, false);
    let mut pos = 0;
    while pos < b.len() {
        let header = b[pos..]
            .iter()
            .find(|&&c| c != b' ' && c != b'\t')
            .is_some_and(|&c| c == b'[');
        if pos > start && (pos - start >= size || (header && continues)) {
            out.push(Chunk {
                range: start..pos,
                continues,
            });
            (start, continues) = (pos, !header);
        }
        pos = expression_end(b, pos, header);
    }
    if start < b.len() || out.is_empty() {
        out.push(Chunk {
            range: start..b.len(),
            continues,
        });
    }
    out
}

/// Where the expression starting at `pos` ends: after the newline that ends it outside
/// strings and brackets (a header's line ends it whatever its brackets), or at the end.
fn expression_end(b: &[u8], pos: usize, header: bool) -> usize {
    let mut depth = 0usize;
    let mut i = pos;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                i += 1;
                if depth == 0 || header {
                    return i;
                }
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => i = string_end(b, i, q),
            b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    b.len()
}

/// Where the string starting with the quote `q` at `i` ends: basic (`"`, escapes) or
/// literal (`'`), on one line or multi-line (three quotes, closed by the first run of
/// three or more, of which up to two more belong to the text).
fn string_end(b: &[u8], i: usize, q: u8) -> usize {
    let escapes = q == b'"';
    let run = |j: usize| b[j..].iter().take_while(|&&c| c == q).count();
    if run(i) >= 3 {
        let mut j = i + 3;
        while j < b.len() {
            if escapes && b[j] == b'\\' {
                j += 2;
            } else if b[j] == q {
                let n = run(j);
                if n >= 3 {
                    return j + n.min(5);
                }
                j += n;
            } else {
                j += 1;
            }
        }
        return b.len();
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' if escapes => j += 2,
            b'\n' => return j,
            c if c == q => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

/// `toml_datetime`'s private key: `toml`'s tables read a table whose first key it is as
/// a date. A piece's first key may not be the first of its table in the whole.
const DATETIME_KEY: &str = "$__toml_private_datetime";

/// The text parsed a piece at a time and put together as one parse of the whole would
/// have; `NotAlone` when a piece fails or does not plainly fit (see the module's
/// documentation). Top-level keys as written.
fn in_chunks(text: &str, index: &LineIndex, size: usize) -> Result<(Dict, Lines), NotAlone> {
    let mut whole = Assembly::default();
    for chunk in chunks(text, size) {
        if chunk.continues {
            whole.continue_with(text, index, chunk.range)?;
            continue;
        }
        let mut range = chunk.range;
        while let Some(rest) = whole.add(text, index, range)? {
            range = rest;
        }
    }
    Ok((whole.tables, whole.lines))
}

/// The tables put together so far.
#[derive(Default)]
struct Assembly {
    tables: Dict,
    lines: Lines,
    shape: Shape,
    /// The path of the table the last header made (empty: the top level).
    section: Vec<PyStr>,
}

/// A piece parsed on its own: its tables, their lines and headers, and the path of the
/// table its last header made.
struct Piece {
    tables: Dict,
    lines: Lines,
    shape: Shape,
    last: Option<Vec<PyStr>>,
}

impl Assembly {
    /// Adds the piece at `range`, which starts with a header (or is the top of the file).
    /// When an array-of-tables header further in clashes with what the piece alone made
    /// of an earlier header (`[a.b]` makes `a` a table, but `a` is an array of tables in
    /// the whole, so a later `[[a]]` fails on its own), the piece is cut there and
    /// `Ok(Some(rest))` is what is left to add.
    fn add(
        &mut self,
        text: &str,
        index: &LineIndex,
        range: Range<usize>,
    ) -> Result<Option<Range<usize>>, NotAlone> {
        let (piece, rest) = match parse_piece(text, index, range.clone()) {
            Ok(piece) => (piece, None),
            Err(Some(at)) => {
                let cut =
                    array_header_before(text.as_bytes(), range.clone(), at).ok_or(NotAlone)?;
                let piece = parse_piece(text, index, range.start..cut).map_err(|_| NotAlone)?;
                (piece, Some(cut..range.end))
            }
            Err(None) => return Err(NotAlone),
        };
        let Piece {
            tables,
            lines,
            shape,
            last,
        } = piece;
        merge(
            tables,
            Some(lines),
            shape,
            &mut self.tables,
            Some(&mut self.lines),
            &mut self.shape,
        )?;
        if let Some(path) = last {
            self.section = path;
        }
        Ok(rest)
    }

    /// Adds the piece at `range`, keys that go on with the body of the last header's table.
    fn continue_with(
        &mut self,
        text: &str,
        index: &LineIndex,
        range: Range<usize>,
    ) -> Result<(), NotAlone> {
        let piece = parse_piece(text, index, range).map_err(|_| NotAlone)?;
        let headers = piece
            .shape
            .open
            .values()
            .any(|o| !matches!(o, Open::Dotted(_)));
        if headers || piece.tables.contains_key(DATETIME_KEY.as_bytes()) {
            return Err(NotAlone);
        }
        if piece.tables.is_empty() {
            return Ok(());
        }
        let (into, into_lines, into_shape) = reach(
            &mut self.tables,
            Some(&mut self.lines),
            &mut self.shape,
            &self.section,
        )?;
        merge(
            piece.tables,
            Some(piece.lines),
            piece.shape,
            into,
            into_lines,
            into_shape,
        )
    }
}

/// Parses the text at `range` on its own. `Err(Some(offset))`: the parser refused it at
/// `offset`; `Err(None)`: the values are not what Prefect reads.
fn parse_piece(text: &str, index: &LineIndex, range: Range<usize>) -> Result<Piece, Option<usize>> {
    let doc = toml_edit::ImDocument::parse(&text[range.clone()])
        .map_err(|e| Some(range.start + e.span().map_or(0, |s| s.start)))?;
    let lines = lines_of(doc.as_table(), index, range.start);
    let (shape, last) = shape_of(doc.as_table());
    let table =
        toml::Table::deserialize(toml_edit::de::Deserializer::from(doc)).map_err(|_| None)?;
    let mut tables = Dict::with_capacity(table.len());
    for (k, v) in table {
        tables.insert(PyStr::key(k), convert(v).map_err(|_| None)?);
    }
    if !arrays_hold_tables(&shape, &tables) {
        return Err(None);
    }
    Ok(Piece {
        tables,
        lines,
        shape,
        last: last.map(|(_, path)| path),
    })
}

/// Whether every array of tables below `table` holds only tables: `toml`'s private date
/// key makes a table whose first key it is a date, and an array of tables and dates is
/// refused; with pieces whose arrays hold tables only, adding arrays to arrays never
/// needs to look at what they already hold.
fn arrays_hold_tables(shape: &Shape, table: &Dict) -> bool {
    shape
        .open
        .iter()
        .all(|(k, open)| match (open, table.get(k)) {
            (Open::Table { shape, .. } | Open::Dotted(shape), Some(Value::Dict(d))) => {
                arrays_hold_tables(shape, d)
            }
            (Open::Array { last }, Some(Value::List(l))) => {
                l.0.iter().all(|t| matches!(t, Value::Dict(_)))
                    && match l.0.last() {
                        Some(Value::Dict(d)) => arrays_hold_tables(last, d),
                        _ => true,
                    }
            }
            _ => false,
        })
}

/// The start of the array-of-tables header (`[[...]]`) on the line of `at`, when that is
/// not where `range` starts.
fn array_header_before(b: &[u8], range: Range<usize>, at: usize) -> Option<usize> {
    let mut pos = range.start;
    while pos < range.end {
        let start = b[pos..].iter().position(|&c| c != b' ' && c != b'\t')? + pos;
        let header = b.get(start) == Some(&b'[');
        let end = expression_end(b, pos, header);
        if at < end {
            return (pos > range.start && b[start..].starts_with(b"[[")).then_some(pos);
        }
        pos = end;
    }
    None
}

/// The table the keys after the header of `path` go into: through tables, and into the
/// last table of an array of tables (whose keys have no lines kept).
fn reach<'a>(
    mut table: &'a mut Dict,
    mut lines: Option<&'a mut Lines>,
    mut shape: &'a mut Shape,
    path: &[PyStr],
) -> Result<(&'a mut Dict, Option<&'a mut Lines>, &'a mut Shape), NotAlone> {
    for k in path {
        let i = table.get_index_of(k).ok_or(NotAlone)?;
        match (
            shape.open.get_mut(k),
            table.get_index_mut(i).ok_or(NotAlone)?,
        ) {
            (Some(Open::Table { shape: inner, .. } | Open::Dotted(inner)), Value::Dict(d)) => {
                lines = lines.and_then(|l| l.table_mut(i));
                (table, shape) = (d, inner);
            }
            (Some(Open::Array { last }), Value::List(l)) => match l.0.last_mut() {
                Some(Value::Dict(d)) => (table, lines, shape) = (d, None, last),
                _ => return Err(NotAlone),
            },
            _ => return Err(NotAlone),
        }
    }
    Ok((table, lines, shape))
}

/// Puts a piece's entries (`from`, its lines and open entries) into the table `into` the
/// way the parser puts them into the whole: a new key goes last; a table a header made
/// implicitly in the piece takes its entries into the header's table (or the last table
/// of the array of tables) already there; an array of tables goes on; a dotted-keys
/// table goes on with the one of the same body. Anything else already there (a key set
/// twice, a table defined twice, or reached in a way the parser may refuse) is
/// `NotAlone`.
fn merge(
    mut from: Dict,
    from_lines: Option<Lines>,
    mut from_shape: Shape,
    into: &mut Dict,
    mut into_lines: Option<&mut Lines>,
    into_shape: &mut Shape,
) -> Result<(), NotAlone> {
    let mut from_lines = from_lines.map(Lines::into_entries);
    for (k, v) in from.take_entries() {
        let (line, below) = from_lines
            .as_mut()
            .and_then(Iterator::next)
            .unwrap_or((None, None));
        let open = from_shape.open.remove(&k);
        let Some(i) = into.get_index_of(&k) else {
            if let Some(o) = open {
                into_shape.open.insert(k.clone(), o);
            }
            into.insert(k, v);
            if let Some(l) = into_lines.as_deref_mut() {
                l.push(line.unwrap_or(0), below);
            }
            continue;
        };
        let into_below = into_lines.as_deref_mut().and_then(|l| l.table_mut(i));
        let into_v = into.get_index_mut(i).ok_or(NotAlone)?;
        match (open, into_shape.open.get_mut(&k), v, into_v) {
            (
                Some(Open::Table {
                    implicit: true,
                    shape,
                }),
                Some(Open::Table { shape: there, .. }),
                Value::Dict(d),
                Value::Dict(into_d),
            )
            | (
                Some(Open::Dotted(shape)),
                Some(Open::Dotted(there)),
                Value::Dict(d),
                Value::Dict(into_d),
            ) => merge(d, below, shape, into_d, into_below, there)?,
            (
                Some(Open::Table {
                    implicit: true,
                    shape,
                }),
                Some(Open::Array { last }),
                Value::Dict(d),
                Value::List(into_l),
            ) => match into_l.0.last_mut() {
                Some(Value::Dict(into_d)) => merge(d, None, shape, into_d, None, last)?,
                _ => return Err(NotAlone),
            },
            (
                Some(Open::Array { last: shape }),
                Some(Open::Array { last }),
                Value::List(mut l),
                Value::List(into_l),
            ) => {
                into_l.0.append(&mut l.0);
                *last = shape;
            }
            _ => return Err(NotAlone),
        }
    }
    Ok(())
}

/// Where each line of a text starts, to turn byte offsets into line numbers by binary
/// search: counting the newlines before every key made loading quadratic in the file's
/// size (issue 19).
pub struct LineIndex {
    /// The offset of the first byte of every line after the first. Four bytes each: the
    /// texts are files under the cap, or the bundled defaults.
    starts: Vec<u32>,
}

const _: () = assert!(crate::files::CONFIG_FILE_CAP < u32::MAX as u64);

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let starts = text
            .bytes()
            .enumerate()
            .filter(|&(_, b)| b == b'\n')
            .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX))
            .collect();
        LineIndex { starts }
    }

    /// The line (from 1) of the byte at `offset`: one more than the newlines before it.
    pub fn line(&self, offset: usize) -> usize {
        self.line_and_start(offset).0
    }

    /// [`LineIndex::line`], and the offset where that line starts.
    pub fn line_and_start(&self, offset: usize) -> (usize, usize) {
        let before = self.starts.partition_point(|&s| s as usize <= offset);
        let start = match before {
            0 => 0,
            n => self.starts[n - 1] as usize,
        };
        (before + 1, start)
    }
}

/// The kind `toml` 0.10.2 compares to decide whether an array is homogeneous.
fn kind(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "string",
        toml::Value::Integer(_) => "integer",
        toml::Value::Float(_) => "float",
        toml::Value::Boolean(_) => "boolean",
        toml::Value::Datetime(d) if d.date.is_none() => "time",
        toml::Value::Datetime(_) => "date",
        toml::Value::Array(_) => "array",
        toml::Value::Table(_) => "table",
    }
}

fn convert(v: toml::Value) -> Result<Value, String> {
    Ok(match v {
        toml::Value::String(s) => Value::Str(PyStr::from(s)),
        toml::Value::Integer(i) => Value::Int(Int::Small(i)),
        // toml 0.10.2 negates after parsing (`0 - v`), which turns -0.0 into 0.0.
        toml::Value::Float(f) => Value::Float(if f == 0.0 { 0.0 } else { f }),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::Str(PyStr::from(datetime_str(&d)?)),
        toml::Value::Array(items) => {
            if let Some(first) = items.first() {
                let k = kind(first);
                if let Some(other) = items.iter().find(|x| kind(x) != k) {
                    return Err(format!(
                        "an array mixes {k} and {} values, which Prefect 0.5.3's TOML reader \
                         rejects (\"Not a homogeneous array\")",
                        kind(other)
                    ));
                }
            }
            Value::List(List(
                items.into_iter().map(convert).collect::<Result<_, _>>()?,
            ))
        }
        toml::Value::Table(t) => {
            // As many entries as it has: a `Dict` grown one key at a time holds up to
            // twice the room, which for many small tables is most of their memory.
            let mut d = Dict::with_capacity(t.len());
            for (k, v) in t {
                d.insert(PyStr::key(k), convert(v)?);
            }
            Value::Dict(d)
        }
    })
}

/// Python's `str()` of the `datetime`, `date` or `time` that `toml` 0.10.2 returns.
fn datetime_str(d: &toml::value::Datetime) -> Result<String, String> {
    let mut out = String::new();
    if let Some(date) = &d.date {
        out.push_str(&format!(
            "{:04}-{:02}-{:02}",
            date.year, date.month, date.day
        ));
    }
    if let Some(time) = &d.time {
        let second = time.second;
        if second >= 60 {
            return Err("a leap second, which Prefect 0.5.3's TOML reader rejects".into());
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!(
            "{:02}:{:02}:{:02}",
            time.hour, time.minute, second
        ));
        let micros = time.nanosecond / 1000;
        if micros > 0 {
            out.push_str(&format!(".{micros:06}"));
        }
        if d.date.is_some() {
            match d.offset {
                Some(toml::value::Offset::Z) => out.push_str("+00:00"),
                Some(toml::value::Offset::Custom { minutes }) => {
                    let sign = if minutes < 0 { '-' } else { '+' };
                    let m = minutes.unsigned_abs();
                    out.push_str(&format!("{sign}{:02}:{:02}", m / 60, m % 60));
                }
                None => {}
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::render::to_json;

    fn json_of(text: &str) -> Result<String, String> {
        let d = parse(text, "test.toml").map_err(|e| e.0)?;
        let mut out = Vec::new();
        to_json(&Value::Dict(d), &mut out);
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn reads_like_toml_0_10_2() {
        assert_eq!(
            json_of("[Context.Secrets]\nA = 1").unwrap(),
            r#"{"context":{"Secrets":{"A":1}}}"#
        );
        assert_eq!(
            json_of("x = -0.0\ny = 0xff\nz = 1_000").unwrap(),
            r#"{"x":0.0,"y":255,"z":1000}"#
        );
        assert_eq!(
            json_of("a = 1979-05-27T07:32:00-08:00\nb = 1979-05-27T07:32:00.5Z\nc = 1979-05-27\nd = 07:32:00.123456789\ne = 1979-05-27T07:32:00").unwrap(),
            r#"{"a":"1979-05-27 07:32:00-08:00","b":"1979-05-27 07:32:00.500000+00:00","c":"1979-05-27","d":"07:32:00.123456","e":"1979-05-27 07:32:00"}"#
        );
        assert_eq!(
            json_of("a = [[1], [\"a\"]]").unwrap(),
            r#"{"a":[[1],["a"]]}"#
        );
        assert_eq!(
            json_of("a = \"\"\"\r\nx\r\ny\"\"\"").unwrap(),
            r#"{"a":"x\ny"}"#
        );
    }

    #[test]
    fn rejects_what_toml_0_10_2_rejects() {
        assert!(json_of("a = [1, 2.0]").unwrap_err().contains("homogeneous"));
        assert!(
            json_of("\u{feff}a = 1")
                .unwrap_err()
                .contains("byte-order mark")
        );
        assert!(json_of("a = 07:32").is_err());
        assert!(json_of("a = 1\na = 2").is_err());
    }

    #[test]
    fn lines_of_keys() {
        let text = "[Context.secrets]\na = 1\n\nb = { c = 2, d = 3 }\n[cloud]\nx.y = 4\n";
        let (tree, lines) = parse_with_lines(text, "t").unwrap();
        let at = |k: &[&str]| {
            lines.of(
                &tree,
                &k.iter().map(|s| PyStr::from(*s)).collect::<Vec<_>>(),
            )
        };
        assert_eq!(at(&["context", "secrets", "a"]), Some(2));
        assert_eq!(at(&["context", "secrets", "b", "d"]), Some(4));
        assert_eq!(at(&["cloud", "x", "y"]), Some(6));
        assert_eq!(at(&["context", "secrets"]), Some(1));
    }

    /// One parse of the whole text, as before pieces: the tables (as JSON, in order) and
    /// their lines, or the error's message.
    fn whole_parse(text: &str) -> Result<(String, Lines), String> {
        if text.starts_with('\u{feff}') {
            return parse_in_chunks_of(text, "t", usize::MAX)
                .map(|_| unreachable!())
                .map_err(|e| e.0);
        }
        let normalized = universal_newlines(text);
        let index = LineIndex::new(&normalized);
        let (tables, lines) = whole(&normalized, &index, "t").map_err(|e| e.0)?;
        let (tables, lines) = lowercase_top_level(tables, lines);
        let mut json = Vec::new();
        to_json(&Value::Dict(tables), &mut json);
        Ok((String::from_utf8(json).unwrap(), lines))
    }

    fn in_pieces(text: &str, size: usize) -> Result<(String, Lines), String> {
        let (tables, lines) = parse_in_chunks_of(text, "t", size).map_err(|e| e.0)?;
        let mut json = Vec::new();
        to_json(&Value::Dict(tables), &mut json);
        Ok((String::from_utf8(json).unwrap(), lines))
    }

    /// Whether `text` in pieces of `size` fits together without parsing the whole.
    fn fits(text: &str, size: usize) -> bool {
        let normalized = universal_newlines(text);
        in_chunks(&normalized, &LineIndex::new(&normalized), size).is_ok()
    }

    /// Parsing `text` in pieces of any size gives exactly what one parse of the whole
    /// gives; `alone`: the pieces fit without parsing the whole (for every size).
    fn same_in_pieces(text: &str, alone: bool) {
        let expected = whole_parse(text);
        for size in [1, 2, 5, 13, 40, 1 << 20] {
            assert_eq!(
                in_pieces(text, size),
                expected,
                "{text:?} in pieces of {size}"
            );
            assert!(
                !alone || fits(text, size),
                "{text:?} in pieces of {size}: whole"
            );
        }
    }

    /// The shapes a configuration file has fit together from pieces cut anywhere.
    #[test]
    fn pieces_fit_together_as_the_whole() {
        for text in [
            "",
            "# only a comment\n\n",
            "a = 1\nB = \"x\"\n[context.secrets]\nK = 1\nk = 2\n[cloud]\napi = \"u\"\n",
            "[context.secrets]\na = 1\n[context.secrets.t]\nuser = \"u\"\nport = 1\n",
            "[[jobs]]\nid = 1\ntags = [\"a\"]\n[[jobs]]\nid = 2\n[jobs.meta]\nx = 1\n[[jobs]]\n",
            "[[a]]\n[[a.b]]\nx = 1\n[[a.b]]\nx = 2\n[a.b.c]\ny = 3\n[[a]]\n[a.d]\nz = 4\n",
            "[a.b.c]\nx = 1\n[a.b.d]\ny = 2\n[a.e]\nz = 3\n[f]\n",
            "x.y.z = 1\nx.y.w = 2\nx.v = { p = 1, q = [1, 2] }\n[t]\nd.e = 3\nd.f = 4\n",
            "s = \"\"\"\n[not.a.header]\n# not a comment\nq = \"\"\"\nafter = 1\n[h]\nm = '''\n[x]\n'''\n",
            "arr = [\n  [1], # ] not the end\n  [2],\n  [3, 4],\n]\n[h]\nk = [\n\"]\", '[', \"\\\"]\"\n]\n",
            "[\"quoted ] key\".'#x'.\"a.b\"]\nv = 1\n[ spaced . key ] # comment\nw = 2\n",
            "  [indented]\n  a = 1\n\t[indented.more]\n\tb = 2\n",
            "a = \"\"\"q\"\"\"\"\"\nb = '''q''''\nc = \"\"\"\\\"\"\"\"\n[t]\nd = 1\n",
            "r = 1\r\n[crlf]\r\nx = \"\"\"a\r\nb\"\"\"\r\ny = 2\r\nz = 3\rw = 4\n",
            "d = 1979-05-27T07:32:00Z\nt = 07:32:00\n[dates]\ne = 1979-05-27\n",
            "[A]\nx = 1\n[a]\ny = 2\n[B.c]\nz = 3\n",
            "A = 1\na = { b = 2 }\n",
        ] {
            same_in_pieces(text, true);
        }
    }

    /// What the pieces cannot stand for on their own is parsed whole, with the same
    /// result: valid files the parser reads its own way, and every kind of error.
    #[test]
    fn what_does_not_fit_is_parsed_whole() {
        for text in [
            // A table made implicitly, then defined (it moves to the end of its table).
            "[a.b]\nx = 1\n[c]\n[d]\n[a]\ny = 2\n",
            // Dotted keys of one table, cut apart; a header through a dotted table.
            "[t]\nd.e = 3\nk = 1\nd.f = 4\n",
            "[a]\nb.c = 1\n[a.b.d]\nx = 1\ny = 2\n",
            "[a.b.c]\n[a]\nb.d = 1\n",
            // `toml`'s private date key first in a table, in the body or after a header.
            "[a]\n\"$__toml_private_datetime\" = \"1979-05-27\"\nx = 1\n",
            "[a]\n[a.b]\n[a]\n\"$__toml_private_datetime\" = \"1979-05-27\"\n",
            "[a]\n\"$__toml_private_datetime\" = 1\n",
            // Errors: a key or table twice, kinds that clash, bad syntax, a mixed array.
            "a = 1\nb = 2\na = 3\n",
            "[t]\nk = 1\nj = 2\nk = 3\n",
            "[t]\nx = 1\n[u]\n[t]\ny = 2\n",
            "[[a]]\nx = 1\n[a]\ny = 2\n",
            "a = [1]\n[[a]]\n",
            "a = { b = 1 }\n[a.c]\n",
            "a = 1\n[a.b]\n",
            "[a]\nb = 1\n[a.b.c]\n",
            "x = \"unterminated\n[t]\ny = 1\n",
            "x = \"\"\"never closed\n[t]\ny = 1\n",
            "[t\nx = 1\n",
            "x = [1, 2.0]\n[t]\ny = 1\n",
            "[t]\nl = [1, \"a\"]\n",
            "a = 07:32\n",
            "t = 1979-05-27T07:32:60Z\n",
            "\u{feff}a = 1\n",
            "ok = 1\n= 2\n",
        ] {
            same_in_pieces(text, false);
        }
    }

    /// Random files put together from lines that make every kind of table, key, value,
    /// clash and error (a fixed seed): in pieces of any size, what the whole gives.
    #[test]
    fn random_files_in_pieces_are_the_whole() {
        const LINES: &[&str] = &[
            "[a]",
            "[a.b]",
            "[a.b.c]",
            "[b]",
            "[A]",
            "[[a]]",
            "[[a.b]]",
            "[[c]]",
            "[c.d]",
            "[ \"q.k\" . 'l' ]",
            "  [b.e] # comment ]",
            "x = 1",
            "y = \"s # not a comment\"",
            "X = 2",
            "x.y = 2",
            "x.z = 3",
            "b.c = 4",
            "z = [\n  [1], # ]\n  [2, 3],\n]",
            "w = { p = 1, q = { r = 'x' } }",
            "m = \"\"\"\n[a]\nx = 1\n\"\"\"",
            "n = '''\n[[a]]\n'''",
            "\"$__toml_private_datetime\" = \"1979-05-27\"",
            "d = 1979-05-27T07:32:00Z",
            "bad = [1, \"a\"]",
            "# comment",
            "",
            "= 1",
            "u = \"unterminated",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut fitted, mut total) = (0, 0);
        for _ in 0..2000 {
            let count = next(14);
            let mut text = String::new();
            for _ in 0..count {
                text.push_str(LINES[next(LINES.len())]);
                text.push_str(if next(8) == 0 { "\r\n" } else { "\n" });
            }
            let expected = whole_parse(&text);
            for size in [1, 4, 16] {
                assert_eq!(
                    in_pieces(&text, size),
                    expected,
                    "{text:?} in pieces of {size}"
                );
                total += 1;
                fitted += usize::from(fits(&text, size));
            }
        }
        // Most of them fit together without the whole (the rest clash or fail).
        assert!(fitted * 4 > total, "{fitted} of {total} fitted");
    }

    #[test]
    fn line_index_counts_like_the_newlines_before() {
        for text in ["", "a", "\n", "a\nb\n\nc", "\n\nx\n"] {
            let index = LineIndex::new(text);
            for at in 0..=text.len() + 2 {
                let before = &text[..at.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let start = before.rfind('\n').map_or(0, |i| i + 1);
                assert_eq!(index.line(at), line, "{text:?} at {at}");
                assert_eq!(index.line_and_start(at), (line, start), "{text:?} at {at}");
            }
        }
    }

    #[test]
    fn errors_locate_without_quoting() {
        let e = json_of("[context.secrets]\nAPI_KEY = \"hunter2").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }
}
