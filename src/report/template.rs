//! `secret_explain` on text with Prefect 3's placeholders (`explain '{{ prefect.blocks.
//! secret.db.user }}'`): what each placeholder is filled with and where it is read from,
//! without asking the server. The template's own text is never shown (besides its
//! placeholders it may hold a literal credential), nor any value.
//!
//! ```text
//! template: 2 placeholders filled from the server (block documents first, then variables)
//!   {{ prefect.blocks.secret.db.user }}: the key path "user" in the data of block ...
//!   {{ prefect.variables.region }}: the Prefect 3 Variable "region" (empty text when ...)
//!   each becomes str(value) in the text; a block value that is a dict or list fails ...
//!   server API: prefect-3 (PREFECT_SECRETS_FLAVOR in the environment)
//!   URL: http://127.0.0.1:4200/api (...)
//!   {{ prefect.blocks.secret.db.user }}: GET {API URL}/block_types/slug/secret/...
//! ```

use std::fmt::Write as _;

use crate::config::cloud::keys as key;
use crate::config::source::key_and_source;
use crate::pystr::PyStr;
use crate::server::{Request, flavors};
use crate::store::Store;
use crate::templating::{Kind, Placeholder, describe, find_placeholders};

/// The report on the template `text`.
pub fn explain(store: &Store, text: &str) -> String {
    let text = PyStr::from(text);
    let found = find_placeholders(&text);
    let filled: Vec<Placeholder> = found
        .iter()
        .filter(|p| matches!(p.kind, Kind::BlockDocument | Kind::Variable))
        .cloned()
        .collect();
    let left = found.len() - filled.len();
    let mut lines: Vec<String> = found
        .iter()
        .map(|p| format!("{}: {}", p.full_match, describe(p)))
        .collect();
    let whole = found.len() == 1 && text.as_bytes() == found[0].full_match.as_bytes();
    lines.push(if whole {
        "the text is this placeholder alone, so the value keeps its type (get prints text as \
         it is, anything else as JSON)"
            .to_string()
    } else {
        "each becomes str(value) in the text; a block value that is a dict or list fails the \
         render"
            .to_string()
    });
    lines.extend(server(store, &filled));
    lines.push(
        "explain does not ask the server, so whether these blocks and variables exist is not \
         known"
            .to_string(),
    );
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut out = format!(
        "template: {} placeholder{} filled from the server (block documents first, then \
         variables)",
        filled.len(),
        plural(filled.len())
    );
    if left > 0 {
        let _ = write!(out, "; {left} left as written");
    }
    out.push('\n');
    for line in lines {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// Where the placeholders are read from: the flavour's account, from one snapshot.
fn server(store: &Store, filled: &[Placeholder]) -> Vec<String> {
    let snapshot = store.snapshot();
    let state = match &snapshot.loaded {
        Ok(state) => state,
        Err(e) => {
            return vec![format!(
                "every render fails: the configuration cannot be loaded: {e}"
            )];
        }
    };
    let settings = match state.server_settings() {
        Ok(s) => s,
        Err(e) => return vec![format!("every render fails: {e}")],
    };
    let sources = &state.provenance().sources;
    match &settings.flavor {
        Ok(flavor) => {
            let request = Request {
                version: snapshot.version,
                settings: &settings,
                accounts: store.accounts(),
            };
            let mut lines = vec![format!(
                "server API: {} ({})",
                flavor.name(),
                key_and_source(sources, &["cloud", key::SERVER_FLAVOR])
            )];
            lines.extend((flavors::of(*flavor).explain_template)(
                &request, filled, sources,
            ));
            lines
        }
        Err(e) => vec![format!("every render fails: {e}")],
    }
}
