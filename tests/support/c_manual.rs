//! The manual page `prefect_secrets(3)`, made from `include/prefect_secrets.h` alone: its
//! title comment, the conventions in it, every function's prototype and the first
//! sentence of its documentation, the status codes and server flavours with theirs, and
//! the buffer protocol as `secret_get` and `secret_get_alloc` document it. Only the notes
//! on threads, fork and unloading, and SEE ALSO, are written here. `tests/manual.rs`
//! compares it with the committed `docs/man/prefect_secrets.3`.

#[path = "../../src/bin/prefect-secrets/roff.rs"]
pub mod roff;

use roff::{bold, escape, italic, prose};

/// A documented declaration of the header: its doc comment and its text.
struct Item {
    /// The `//` comment above it, without the slashes: paragraphs separated by a blank line.
    doc: String,
    /// The declaration, on one line.
    text: String,
}

/// A function: its name, return type and parameters (type, name).
struct Function {
    name: String,
    returns: String,
    params: Vec<(String, String)>,
    doc: String,
}

/// An enumerator of `SecretStatus` or `SecretServerFlavor`.
struct Enumerator {
    name: String,
    value: String,
    doc: String,
}

/// Every documented declaration, enumerators included, in the header's order. A comment
/// block belongs to the declaration right below it; `#` lines end it.
fn items(header: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut doc: Vec<&str> = Vec::new();
    let mut lines = header.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if let Some(text) = trimmed.strip_prefix("//") {
            doc.push(text.strip_prefix(' ').unwrap_or(text));
            continue;
        }
        if doc.is_empty() || trimmed.is_empty() || trimmed.starts_with('#') {
            doc.clear();
            continue;
        }
        // A declaration: a function up to its `;` (cbindgen wraps long parameter lists),
        // an enumerator up to its `,`, an `enum` line.
        let mut text = trimmed.to_string();
        let done = |t: &str| {
            t.ends_with(';') || !t.contains('(') && t.ends_with(',') || t.starts_with("enum ")
        };
        while !done(&text) {
            match lines.next() {
                Some(more) => {
                    text.push(' ');
                    text.push_str(more.trim());
                }
                None => break,
            }
        }
        items.push(Item {
            doc: doc.join("\n"),
            text,
        });
        doc.clear();
    }
    items
}

/// The functions, in order.
fn functions(items: &[Item]) -> Vec<Function> {
    items
        .iter()
        .filter_map(|item| {
            let (head, rest) = item.text.split_once('(')?;
            let (returns, name) = split_name(head);
            if !name.starts_with("secret_") {
                return None;
            }
            let params = rest.trim_end_matches(';').trim_end_matches(')');
            let params = if params == "void" {
                Vec::new()
            } else {
                params.split(", ").map(|p| split_name(p.trim())).collect()
            };
            Some(Function {
                name,
                returns,
                params,
                doc: item.doc.clone(),
            })
        })
        .collect()
}

/// A function's parameter names, set in italic in its text.
fn italics(f: &Function) -> Vec<&str> {
    f.params.iter().map(|(_, n)| n.as_str()).collect()
}

/// `const char *name` as (`const char *`, `name`).
fn split_name(decl: &str) -> (String, String) {
    let at = decl.rfind([' ', '*']).map_or(0, |i| i + 1);
    (decl[..at].to_string(), decl[at..].to_string())
}

/// The enumerators whose names start with `prefix`, and the comment above their enum.
fn enumerators(items: &[Item], enum_name: &str, prefix: &str) -> (String, Vec<Enumerator>) {
    let about = items
        .iter()
        .find(|i| i.text == format!("enum {enum_name}"))
        .map(|i| i.doc.clone())
        .unwrap_or_default();
    let list = items
        .iter()
        .filter_map(|i| {
            let (name, value) = i.text.trim_end_matches(',').split_once(" = ")?;
            name.starts_with(prefix).then(|| Enumerator {
                name: name.to_string(),
                value: value.to_string(),
                doc: i.doc.clone(),
            })
        })
        .collect();
    (about, list)
}

/// The first sentence of `doc`: up to a `.` followed by a space and a capital letter or a
/// `code span` (not after "e.g" or "i.e"), or else its first paragraph.
fn first_sentence(doc: &str) -> String {
    let paragraph = doc.split("\n\n").next().unwrap_or("").replace('\n', " ");
    let bytes = paragraph.as_bytes();
    for (i, _) in paragraph.match_indices(". ") {
        let next = bytes.get(i + 2).copied().unwrap_or(b' ');
        let abbreviation = paragraph[..i].ends_with("e.g") || paragraph[..i].ends_with("i.e");
        if (next.is_ascii_uppercase() || next == b'`') && !abbreviation {
            return paragraph[..=i].to_string();
        }
    }
    paragraph
}

/// Every paragraph of `doc` but the first.
fn after_first_paragraph(doc: &str) -> &str {
    doc.split_once("\n\n").map_or("", |(_, rest)| rest)
}

/// The header's top comment: its title (after `prefect_secrets.h: `) and the lines of
/// its "Conventions" list.
fn top_comment(header: &str) -> (String, Vec<String>) {
    let comment: Vec<&str> = header
        .split("*/")
        .next()
        .unwrap_or("")
        .lines()
        .map(|l| l.trim().trim_start_matches(['/', '*']).trim())
        .collect();
    let title = comment
        .iter()
        .find_map(|l| l.strip_prefix("prefect_secrets.h: "))
        .unwrap_or("")
        .trim_end_matches('.')
        .to_string();
    let mut bullets: Vec<String> = Vec::new();
    let start = comment
        .iter()
        .position(|l| l.starts_with("Conventions"))
        .map_or(comment.len(), |i| i + 1);
    for line in &comment[start..] {
        if let Some(item) = line.strip_prefix("- ") {
            bullets.push(item.to_string());
        } else if let Some(last) = bullets.last_mut().filter(|_| !line.is_empty()) {
            last.push('\n');
            last.push_str(line);
        }
    }
    (title, bullets)
}

/// A prototype for SYNOPSIS (no-fill): the types in bold, the parameter names in italic,
/// parameters wrapped under the first one past 78 columns.
fn prototype(f: &Function) -> String {
    let head = format!("{}{}(", f.returns, f.name);
    let mut out = bold(&head);
    let mut column = head.len();
    let params: Vec<(String, String)> = if f.params.is_empty() {
        vec![("void".to_string(), String::new())]
    } else {
        f.params.clone()
    };
    for (i, (ty, name)) in params.iter().enumerate() {
        let last = i + 1 == params.len();
        let tail = if last { ");" } else { "," };
        let width = ty.len() + name.len() + tail.len();
        if i > 0 {
            if column + 1 + width > 78 {
                out.push('\n');
                out.push_str(&" ".repeat(head.len()));
                column = head.len();
            } else {
                out.push(' ');
                column += 1;
            }
        }
        out.push_str(&bold(ty));
        if !name.is_empty() {
            out.push_str(&italic(name));
        }
        out.push_str(&bold(tail));
        column += width;
    }
    out + "\n"
}

/// The page, as roff for the man(7) macros, dated `date` (`YYYY-MM-DD`).
pub fn page(header: &str, version: &str, date: &str) -> String {
    let items = items(header);
    let functions = functions(&items);
    let (title, conventions) = top_comment(header);
    let (statuses_about, statuses) = enumerators(&items, "SecretStatus", "SECRET_");
    let (flavors_about, flavors) = enumerators(&items, "SecretServerFlavor", "SECRET_SERVER_");
    let statuses: Vec<&Enumerator> = statuses
        .iter()
        .filter(|s| !s.name.starts_with("SECRET_SERVER_"))
        .collect();
    let batch = items
        .iter()
        .find(|i| i.text.starts_with("typedef struct SecretBatch"));
    let find = |name: &str| functions.iter().find(|f| f.name == name);

    let mut p = String::new();
    p += ".\\\" Generated by tests/manual.rs (tests/support/c_manual.rs) from\n";
    p += ".\\\" include/prefect_secrets.h; do not edit. Regenerate with\n";
    p += ".\\\" PREFECT_SECRETS_UPDATE_DOCS=1 cargo test --test manual\n";
    p += &format!(
        ".TH PREFECT_SECRETS 3 {date} \"prefect_secrets {version}\" \"Library Functions Manual\"\n"
    );
    p += ".nr HY 0\n.nh\n.ad l\n";
    p += &format!(".SH NAME\nprefect_secrets \\- {}\n", escape(&title));
    p += ".SH LIBRARY\n";
    p += &prose(
        "`libprefect_secrets` (`-lprefect_secrets`; `pkg-config --cflags --libs \
         prefect_secrets`; CMake `find_package(prefect_secrets)`)",
        &[],
    );
    p += ".SH SYNOPSIS\n.nf\n";
    p += &format!("{}\n", bold("#include <prefect_secrets.h>"));
    for f in &functions {
        p += ".PP\n";
        p += &prototype(f);
    }
    p += ".fi\n";

    p += ".SH DESCRIPTION\n";
    p += &prose(
        &format!(
            "The C API of prefect-secrets, declared in `prefect_secrets.h` (version {version}); \
             each function's full documentation is its comment there. The conventions:"
        ),
        &[],
    );
    for bullet in &conventions {
        p += ".IP \\(bu 2\n";
        p += &prose(bullet, &[]);
    }

    p += ".SH FUNCTIONS\n";
    for f in &functions {
        p += &format!(".TP\n{}()\n", bold(&f.name));
        p += &prose(&first_sentence(&f.doc), &italics(f));
    }
    if let Some(batch) = batch {
        p += ".PP\n";
        p += &prose(&format!("`SecretBatch`: {}", batch.doc), &[]);
    }

    p += ".SH RETURN VALUE\n";
    p += &prose(&statuses_about, &[]);
    for s in &statuses {
        p += &format!(".TP\n{} ({})\n", bold(&s.name), escape(&s.value));
        p += &prose(&s.doc, &[]);
    }
    p += ".PP\n";
    p += &prose(
        "`secret_status_str()` describes a status; after a failure, `secret_last_error()` \
         says why, in plain words.",
        &[],
    );

    p += ".SH SERVER FLAVOURS\n";
    p += &prose(&flavors_about, &[]);
    for s in &flavors {
        p += &format!(".TP\n{} ({})\n", bold(&s.name), escape(&s.value));
        p += &prose(&s.doc, &[]);
    }

    p += ".SH BUFFER PROTOCOL\n";
    for (name, what) in [
        ("secret_get", "Caller-owned buffers"),
        ("secret_get_alloc", "Buffers the library allocates"),
    ] {
        let Some(f) = find(name) else { continue };
        p += &format!(".SS {what}: {}()\n", escape(name));
        let doc = if name == "secret_get" {
            after_first_paragraph(&f.doc)
        } else {
            &f.doc
        };
        for paragraph in doc.split("\n\n") {
            p += &prose(paragraph, &italics(f));
            p += ".PP\n";
        }
        p.truncate(p.len() - ".PP\n".len());
    }
    p += ".PP\n";
    p += &prose(
        "The same holds for every function with `out_buf`, `out_buf_len` and `out_len` \
         parameters, and for every function with `out` and `out_len`, as each one's \
         comment in the header says.",
        &[],
    );

    p += ".SH THREADS, FORK AND UNLOADING\n";
    p += &prose(
        "Every function may be called from any thread at any time. The library keeps one \
         configuration and context for the whole process; reads never wait for writers or \
         for each other (an immutable snapshot is swapped in by each setter). Only \
         `secret_last_error()` and the reuse window (`cloud.reuse_window`) are per thread.",
        &[],
    );
    p += ".PP\n";
    p += &prose(
        "A process may use the library and then `fork()`: the child keeps the configuration \
         and the context's secrets, but starts with a connection pool and a cache of its \
         own, never a connection, cached value or reused value of its parent's; forking \
         while other threads are inside the library does not leave the child waiting on a \
         lock. The parent's pooled sockets stay open in the child (close-on-exec).",
        &[],
    );
    p += ".PP\n";
    p += &prose(
        "The library cannot be unloaded: `dlclose()` leaves it mapped (it is linked with \
         `-z nodelete`), and on Windows it pins itself, so `FreeLibrary()` leaves it loaded.",
        &[],
    );

    p += ".SH SEE ALSO\n";
    p += "prefect\\-secrets(1), pkg\\-config(1)\n.PP\n";
    p += &prose(
        "The header `prefect_secrets.h` (each function in full); in the release archive's \
         and the source's `docs/`: `api.md` (the conventions in full), `configuration.md`, \
         `safety.md` (threads, fork, signals, memory), `server.md`, `prefect3.md`.",
        &[],
    );
    p
}
