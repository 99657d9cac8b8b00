//! The command line's shape, read from [`COMMANDS`](super::COMMANDS) (each command's usage
//! line and help) and the options before the command: which commands there are, what
//! options each takes and what value each option or operand is (a file, text, one of a few
//! words). The manual page ([`super::manual`]) and the completion scripts
//! ([`super::completions`]) are both made from it, so neither keeps a list of its own.
//!
//! A usage line is read as --help shows it: `[...]` is optional, `...` after it repeats
//! it, `A | B` is either; a word starting with `-` is an option, and the word right after
//! it in the same group, when it is in capitals (`KEYPATH`, `VAR=NAME`), is its value; a
//! capitalised word elsewhere is an operand, lower-case words joined by `|` a choice of
//! words (`bash|zsh|fish`), and `-- CMD` a program with its arguments.

use prefect_secrets::cli;

use super::{COMMANDS, FLAVOR_OPTION, HELP_OPTIONS, VERSION_OPTIONS};

/// The capitalised names of usage lines whose value is a file (completed as file names);
/// the others are text to type (the unit tests list them, so that a new one is a choice).
const FILES: &[&str] = &["FILE", "TEMPLATE", "OUT"];

/// One piece of a usage line; the pieces, concatenated, give back the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// An option (`--json`), a capitalised name (`NAME`) or a literal word (`get`, `bash`).
    Word(&'a str),
    /// `[`
    Open,
    /// `]`
    Close,
    /// `|`
    Or,
    /// `...`
    Repeat,
    /// Spaces.
    Space(&'a str),
}

impl Token<'_> {
    pub fn text(&self) -> &str {
        match self {
            Token::Word(w) | Token::Space(w) => w,
            Token::Open => "[",
            Token::Close => "]",
            Token::Or => "|",
            Token::Repeat => "...",
        }
    }
}

/// The pieces of `usage`.
pub fn tokens(usage: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = usage;
    while let Some(c) = rest.chars().next() {
        let (token, len) = match c {
            '[' => (Token::Open, 1),
            ']' => (Token::Close, 1),
            '|' => (Token::Or, 1),
            '.' if rest.starts_with("...") => (Token::Repeat, 3),
            c if c.is_whitespace() => {
                let len = rest
                    .find(|c: char| !c.is_whitespace())
                    .unwrap_or(rest.len());
                (Token::Space(&rest[..len]), len)
            }
            _ => {
                let len = rest
                    .char_indices()
                    .find(|&(i, c)| {
                        c.is_whitespace() || "[]|".contains(c) || rest[i..].starts_with("...")
                    })
                    .map_or(rest.len(), |(i, _)| i);
                (Token::Word(&rest[..len]), len)
            }
        };
        out.push(token);
        rest = &rest[len..];
    }
    out
}

/// Whether a usage word names a value (`NAME`, `VAR=NAME`) rather than being typed as is.
pub fn is_placeholder(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_uppercase()) && !word.chars().any(|c| c.is_ascii_lowercase())
}

/// What a value is, for completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A file name.
    File,
    /// Text to type: nothing to offer.
    Text,
    /// One of these words.
    Words(Vec<&'static str>),
}

/// An option's or an operand's value: the name the usage line gives it and what it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    pub name: &'static str,
    pub kind: Kind,
}

/// An option (`--json`, `-i`), with the value it takes, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opt {
    pub name: &'static str,
    pub value: Option<Value>,
    /// Whether it may be given more than once (`[--env VAR=NAME]...`).
    pub repeats: bool,
}

/// A command: its name, what it does in a few words, its options and operands.
#[derive(Debug)]
pub struct Shape {
    pub name: &'static str,
    /// The start of its help, up to the first `:`, `;`, ` (` or `. `.
    pub summary: String,
    pub options: Vec<Opt>,
    pub operands: Vec<Value>,
    /// Whether `-- CMD [ARGS...]` follows: a program and its arguments.
    pub program: bool,
}

/// What a capitalised name's value is.
fn kind_of(name: &str) -> Kind {
    if FILES.contains(&name) {
        Kind::File
    } else {
        Kind::Text
    }
}

/// The shape of every command, in the order of [`COMMANDS`].
pub fn commands() -> Vec<Shape> {
    COMMANDS
        .iter()
        .map(|c| {
            let mut shape = parse(c.usage);
            shape.summary = summary(c.help);
            shape
        })
        .collect()
}

/// A command's shape from its usage line (the summary left empty).
fn parse(usage: &'static str) -> Shape {
    let all = tokens(usage);
    let name = match all.first() {
        Some(Token::Word(w)) => *w,
        _ => "",
    };
    // Without the spaces, and without the command's name.
    let t: Vec<Token<'static>> = all
        .into_iter()
        .skip(1)
        .filter(|t| !matches!(t, Token::Space(_)))
        .collect();
    let mut shape = Shape {
        name,
        summary: String::new(),
        options: Vec::new(),
        operands: Vec::new(),
        program: false,
    };
    // The index in `shape.options` of the first option of each open `[`.
    let mut groups: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            Token::Open => groups.push(shape.options.len()),
            Token::Close => {
                let first = groups.pop().unwrap_or(0);
                if t.get(i + 1) == Some(&Token::Repeat) {
                    shape.options[first..]
                        .iter_mut()
                        .for_each(|o| o.repeats = true);
                }
            }
            Token::Word("--") => {
                shape.program = true;
                break;
            }
            Token::Word(option) if option.starts_with('-') => {
                let value = match t.get(i + 1) {
                    Some(Token::Word(v)) if is_placeholder(v) => {
                        i += 1;
                        Some(Value {
                            name: v,
                            kind: kind_of(v),
                        })
                    }
                    _ => None,
                };
                shape.options.push(Opt {
                    name: option,
                    value,
                    repeats: false,
                });
            }
            Token::Word(operand) if is_placeholder(operand) => {
                if !shape.operands.iter().any(|o| o.name == operand) {
                    shape.operands.push(Value {
                        name: operand,
                        kind: kind_of(operand),
                    });
                }
            }
            Token::Word(word) => {
                // `bash|zsh|fish`: this word and each one after a `|`.
                let mut words = vec![word];
                while let (Some(Token::Or), Some(Token::Word(next))) = (t.get(i + 1), t.get(i + 2))
                {
                    words.push(next);
                    i += 2;
                }
                shape.operands.push(Value {
                    name: word,
                    kind: Kind::Words(words),
                });
            }
            Token::Or | Token::Repeat | Token::Space(_) => {}
        }
        i += 1;
    }
    shape
}

/// The start of a command's help, up to the first `:`, `;`, ` (` or `. `: what it does in
/// a few words.
pub fn summary(help: &str) -> String {
    let text = one_line(help);
    let end = [": ", "; ", " (", ". "]
        .iter()
        .filter_map(|stop| text.find(stop))
        .min()
        .unwrap_or(text.len());
    text[..end].trim_end_matches(['.', ':']).to_string()
}

/// Help text (lines joined by a newline and an indent) as one line.
pub fn one_line(help: &str) -> String {
    help.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

/// The options before the command: `--flavor NAME` (NAME one of the library's flavours),
/// `--help`, `--version` (their long forms).
pub fn global_options() -> Vec<Opt> {
    let mut options = vec![Opt {
        name: FLAVOR_OPTION,
        value: Some(Value {
            name: "NAME",
            kind: Kind::Words(cli::flavor_names()),
        }),
        repeats: false,
    }];
    for name in [long(HELP_OPTIONS), long(VERSION_OPTIONS)] {
        options.push(Opt {
            name,
            value: None,
            repeats: false,
        });
    }
    options
}

/// The long form of an option that has several names (`--help` of `-h`, `--help`, `help`).
pub fn long(names: &[&'static str]) -> &'static str {
    names
        .iter()
        .find(|n| n.starts_with("--"))
        .unwrap_or(&names[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The capitalised names whose value is text to type (nothing to complete).
    const TEXTS: &[&str] = &["NAME", "KEYPATH", "VAR=NAME", "CMD", "ARGS"];

    #[test]
    fn tokens_give_back_the_line() {
        for c in COMMANDS {
            let joined: String = tokens(c.usage).iter().map(Token::text).collect();
            assert_eq!(joined, c.usage);
        }
    }

    #[test]
    fn every_placeholder_is_a_file_or_text() {
        for c in COMMANDS {
            for t in tokens(c.usage) {
                if let Token::Word(w) = t {
                    assert!(
                        !is_placeholder(w) || FILES.contains(&w) || TEXTS.contains(&w),
                        "{}: is {w} a file (FILES) or text to type (TEXTS)? (shape.rs)",
                        c.name
                    );
                }
            }
        }
    }

    #[test]
    fn usage_lines_read_as_meant() {
        let get = parse("get NAME [NAME...] [--json] [-q] [--field KEYPATH]");
        assert_eq!(get.name, "get");
        let names: Vec<_> = get.options.iter().map(|o| o.name).collect();
        assert_eq!(names, ["--json", "-q", "--field"]);
        assert_eq!(get.options[2].value.as_ref().unwrap().name, "KEYPATH");
        assert!(get.options[0].value.is_none() && !get.options[0].repeats);
        assert_eq!(get.operands.len(), 1);
        assert!(!get.program);

        let run = parse("run [--env VAR=NAME]... [--env-file FILE] -- CMD [ARGS...]");
        assert!(run.program && run.operands.is_empty());
        assert!(run.options[0].repeats && !run.options[1].repeats);
        assert_eq!(run.options[1].value.as_ref().unwrap().kind, Kind::File);

        let inject = parse("inject -i TEMPLATE [-o OUT] [--json | --text]");
        let names: Vec<_> = inject.options.iter().map(|o| o.name).collect();
        assert_eq!(names, ["-i", "-o", "--json", "--text"]);
        assert!(inject.options[0].value.is_some() && inject.options[2].value.is_none());

        let shells = parse("completions bash|zsh|fish");
        assert_eq!(
            shells.operands[0].kind,
            Kind::Words(vec!["bash", "zsh", "fish"])
        );
    }

    #[test]
    fn every_command_has_a_short_summary() {
        for shape in commands() {
            assert!(
                (10..=160).contains(&shape.summary.len()),
                "{}: the start of its help (up to ': ', '; ', ' (' or '. ') should say in a \
                 few words what it does: {:?}",
                shape.name,
                shape.summary
            );
        }
    }
}
