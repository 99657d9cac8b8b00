//! A Prefect 2/3 server's Secret blocks (`cloud.server_flavor = "prefect-3"`), read as
//! `Secret.load(name).get()` does: `GET {api}/block_types/slug/secret/block_documents/
//! name/{name}?include_secrets=true`, the value at `data.value`, a string value through
//! `json.loads` (kept as it is when not JSON). A 404 is not found; 401/403 refused
//! credentials. Credentials: `PREFECT_API_AUTH_STRING` (`user:pass`, Basic) first, as
//! Prefect's client prefers it, else `PREFECT_API_KEY` (Bearer), else none.

mod client;
mod csrf;
mod documents;

use std::collections::{HashMap, HashSet};

use crate::config::cloud::settings::{ReadFrom, Sourced};
use crate::config::cloud::url::{check_url, shown_url};
use crate::config::source::{Sources, key_and_source};
use crate::error::Error;
use crate::pyjson;
use crate::server::Request;
use crate::server::decode_reply;
use crate::templating::{Documents, Kind, Placeholder};
use crate::value::Value;
use client::Api;

/// What a get would do, for `secret_explain` (see `flavors::Explain`).
pub fn explain(request: &Request, name: &str, sources: &Sources) -> Vec<String> {
    // The name itself (not a secret) when it can be sent, else a placeholder.
    let segment = if is_block_name(name) {
        encode_path_segment(name)
    } else {
        "NAME".to_string()
    };
    let mut out = vec!["API: a Prefect 2/3 server's Secret blocks (REST)".to_string()];
    let path = format!("block_types/slug/secret/block_documents/name/{segment}");
    out.extend(explain_api(request, sources, &path, "a get"));
    if !is_block_name(name) {
        out.push(
            "name: not a block name (lowercase letters, digits and dashes), so a get answers \
             not found without asking"
                .to_string(),
        );
    }
    out
}

/// What `secret_explain` says about rendering a template's block and variable
/// placeholders (`placeholders`): the API, and what each reads.
pub fn explain_template(
    request: &Request,
    placeholders: &[Placeholder],
    sources: &Sources,
) -> Vec<String> {
    let mut out =
        vec!["API: a Prefect 2/3 server's block documents and variables (REST)".to_string()];
    out.extend(explain_api(request, sources, "", "a render"));
    for p in placeholders {
        let path = match p.kind {
            Kind::BlockDocument => p
                .block_name()
                .map(|b| documents::block_path(&b.slug, &b.name)),
            Kind::Variable => Some(documents::variable_path(&p.variable_name())),
            Kind::Standard | Kind::EnvVar => None,
        };
        if let Some(path) = path {
            out.push(format!("{}: GET {{API URL}}/{path}", p.full_match));
        }
    }
    out
}

/// The API URL (with `path` after it, when not empty) and where it was set, the near
/// misses around it, and the credential sent with it. `what` fails without them.
fn explain_api(request: &Request, sources: &Sources, path: &str, what: &str) -> Vec<String> {
    let settings = request.settings;
    let mut out = Vec::new();
    let p3 = match &settings.prefect3 {
        Ok(p3) => p3,
        Err(e) => {
            out.push(format!("{what} fails: {e}"));
            return out;
        }
    };
    let from = |s: &Sourced| match &s.from {
        ReadFrom::Key(k) => key_and_source(sources, &["cloud", k]),
        ReadFrom::Prefect3(source) => {
            format!("{source}, as Prefect 3 read it when the configuration loaded")
        }
    };
    match &p3.api_url {
        Some(api) => {
            let base = api.value.to_string_lossy();
            let base = base.trim_end_matches('/');
            let url = match path {
                "" => base.to_string(),
                path => format!("{base}/{path}"),
            };
            let limits = settings.limits.clone().unwrap_or_default();
            out.push(match check_url(&url, "the Prefect API URL", &limits) {
                Ok(uri) => format!("URL: {} ({})", shown_url(&uri), from(api)),
                Err(e) => format!("URL: unusable, so {what} fails: {e} ({})", from(api)),
            });
            out.extend(url_near_miss(&api.value.to_string_lossy()));
        }
        None => out.push(format!(
            "URL: none: Prefect 3 has no API URL here (not in cloud.api_url, the environment, \
             .env, prefect.toml, pyproject.toml or the active profile {:?}), so {what} fails; \
             `prefect cloud login` or `prefect config set PREFECT_API_URL=...` sets it in the \
             profile",
            p3.profile
        )),
    }
    let unset = |key: &str| match key {
        "PREFECT_API_URL" => p3.api_url.is_none(),
        _ => p3.api_key.is_none() && p3.auth_string.is_none(),
    };
    for (profile, keys) in &p3.other_profiles {
        for key in keys.iter().filter(|k| unset(k)) {
            out.push(format!(
                "near miss: {key} is set in profile {profile:?}, which is not the active one \
                 ({:?}): `prefect profile use {profile}` or PREFECT_PROFILE={profile} uses it",
                p3.profile
            ));
        }
    }
    out.push(match (&p3.auth_string, &p3.api_key) {
        (Some(auth), _) => format!("credential: HTTP Basic auth string in {}", from(auth)),
        (None, Some(k)) => format!("credential: bearer API key in {}", from(k)),
        (None, None) => "credential: none (neither an API key nor an auth string is set)".into(),
    });
    out
}

/// What is likely wrong with an API URL a get will use: Prefect's API lives under `/api`,
/// and a Prefect Cloud URL names an account and a workspace.
fn url_near_miss(url: &str) -> Option<String> {
    let url = url.trim_end_matches('/');
    let path = url.splitn(4, '/').nth(3).unwrap_or("");
    if url.contains("api.prefect.cloud")
        && !(path.contains("accounts/") && path.contains("/workspaces/"))
    {
        return Some(
            "near miss: a Prefect Cloud API URL names a workspace \
             (https://api.prefect.cloud/api/accounts/<account>/workspaces/<workspace>, what \
             `prefect cloud login` sets); without one the server has no such route"
                .to_string(),
        );
    }
    (!url.ends_with("/api") && !path.contains("/workspaces/")).then(|| {
        "near miss: the URL does not end in /api, where a Prefect server's API is \
         (http://127.0.0.1:4200/api); a get then fails saying the URL is wrong"
            .to_string()
    })
}

pub fn fetch(request: &Request, name: &str) -> Result<Option<Value>, Error> {
    let api = Api::new(request)?;
    if !is_block_name(name) {
        // No Secret block can have this name: Prefect's server refuses to create one.
        return Ok(None);
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(too_long(name));
    }
    let path = format!(
        "block_types/slug/secret/block_documents/name/{}?include_secrets=true",
        encode_path_segment(name)
    );
    let Some(reply) = api.get(&path)? else {
        return Ok(None);
    };
    value_of(decode_reply(&reply.body, "block document")?)
}

/// A Secret block document's value, as `Secret.load(name).get()` gives it: `data.value`,
/// a string through `json.loads` (kept when not JSON); JSON `null` is None.
fn value_of(document: Value) -> Result<Option<Value>, Error> {
    let Value::Dict(mut document) = document else {
        return Err(Error::client(
            "the Prefect server's block document is not a JSON object",
        ));
    };
    let Some(Value::Dict(mut data)) = document.remove("data") else {
        return Err(Error::client(
            "the Prefect server's block document has no data object",
        ));
    };
    let Some(value) = data.remove("value") else {
        return Err(Error::client("the Secret block has no value (data.value)"));
    };
    match pyjson::loads_or_keep(value) {
        Ok(Value::None) => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(e) => Err(Error::client(format!(
            "the secret value cannot be decoded: {e}"
        ))),
    }
}

/// Most names one filter request asks for: the server's largest page
/// (`PREFECT_API_DEFAULT_LIMIT`), and each name matches at most one Secret block.
pub const PAGE: usize = 200;

/// A batch get: `POST {api}/block_documents/filter` for the Secret blocks of up to
/// [`PAGE`] names at a time (anonymous ones included, as the single get finds them),
/// with their values; a name the server does not list is not found. Names no block can
/// have are not asked for, as in [`fetch`].
pub fn fetch_many(request: &Request, names: &[&str]) -> Vec<Result<Option<Value>, Error>> {
    let api = match Api::new(request) {
        Ok(api) => api,
        Err(e) => return names.iter().map(|_| Err(e.clone())).collect(),
    };
    let mut found: HashMap<&str, Result<Option<Value>, Error>> = HashMap::new();
    let mut ask: Vec<&str> = Vec::new();
    let mut asked: HashSet<&str> = HashSet::new();
    for name in names {
        if !is_block_name(name) {
            found.insert(name, Ok(None));
        } else if name.len() > MAX_NAME_BYTES {
            found.insert(name, Err(too_long(name)));
        } else if asked.insert(name) {
            ask.push(name);
        }
    }
    for page in ask.chunks(PAGE) {
        match filter_page(&api, page) {
            Ok(documents) => {
                // Only the names asked for (a server listing others is ignored).
                for (name, document) in documents {
                    if let Some(name) = asked.get(name.as_str()) {
                        found.insert(name, value_of(document));
                    }
                }
            }
            Err(e) => {
                for name in page {
                    found.insert(name, Err(e.clone()));
                }
            }
        }
    }
    names
        .iter()
        .map(|name| found.get(name).cloned().unwrap_or(Ok(None)))
        .collect()
}

/// One filter request: the documents the server lists, by name.
fn filter_page(api: &Api, page: &[&str]) -> Result<Vec<(String, Value)>, Error> {
    let Some(reply) = api.post("block_documents/filter", &filter_body(page))? else {
        return Err(Error::client(
            "the Prefect server answered HTTP 404 to the block document filter",
        ));
    };
    let Value::List(mut documents) = decode_reply(&reply.body, "list of block documents")? else {
        return Err(Error::client(
            "the Prefect server's list of block documents is not a JSON array",
        ));
    };
    std::mem::take(&mut documents.0)
        .into_iter()
        .map(|d| match &d {
            Value::Dict(fields) => match fields.get("name") {
                Some(Value::Str(n)) => Ok((n.to_string_lossy(), d)),
                _ => Err(Error::client("a block document in the list has no name")),
            },
            _ => Err(Error::client(
                "the list of block documents holds a non-object",
            )),
        })
        .collect()
}

/// The filter's JSON body (what Prefect's `BlockDocumentFilter` reads); the names are
/// block names (letters, digits, dashes), which JSON holds as they are.
fn filter_body(page: &[&str]) -> Vec<u8> {
    let names: Vec<String> = page.iter().map(|n| format!("\"{n}\"")).collect();
    format!(
        "{{\"block_types\": {{\"slug\": {{\"any_\": [\"secret\"]}}}}, \
         \"block_documents\": {{\"name\": {{\"any_\": [{}]}}, \"is_anonymous\": {{\"eq_\": null}}}}, \
         \"include_secrets\": true, \"limit\": {PAGE}, \"offset\": 0}}",
        names.join(", ")
    )
    .into_bytes()
}

fn too_long(name: &str) -> Error {
    Error::client(format!(
        "the secret name is {} bytes long, more than the {MAX_NAME_BYTES} bytes a Prefect \
         server accepts in a request URL",
        name.len()
    ))
}

/// What this flavour's templates read placeholders from: the server's block documents
/// and Variables (`templating::Documents`).
pub fn documents<'a>(request: &'a Request<'a>) -> Result<Box<dyn Documents + 'a>, Error> {
    Ok(Box::new(documents::ServerDocuments::new(Api::new(
        request,
    )?)))
}

/// The names of the Secret blocks (`prefect-secrets list`), sorted: `GET
/// {api}/block_types/slug/secret/block_documents` without secrets, so no value is ever
/// sent. No Secret block type at all is no names.
pub fn names(request: &Request) -> Result<Vec<String>, Error> {
    let api = Api::new(request)?;
    let Some(reply) = api.get("block_types/slug/secret/block_documents?include_secrets=false")?
    else {
        return Ok(Vec::new());
    };
    let Value::List(documents) = decode_reply(&reply.body, "list of block documents")? else {
        return Err(Error::client(
            "the Prefect server's list of block documents is not a JSON array",
        ));
    };
    let mut names = documents
        .0
        .iter()
        .map(|d| match d {
            Value::Dict(d) => match d.get("name") {
                Some(Value::Str(n)) => Ok(n.to_string_lossy()),
                _ => Err(Error::client("a block document in the list has no name")),
            },
            _ => Err(Error::client(
                "the list of block documents holds a non-object",
            )),
        })
        .collect::<Result<Vec<String>, Error>>()?;
    names.sort();
    Ok(names)
}

/// Longer names are not sent: Prefect's server (uvicorn) refuses request lines past
/// 16 KiB or so, and a URL this long would be a confusing failure.
const MAX_NAME_BYTES: usize = 8192;

/// Prefect's rule for block document names (`raise_on_name_alphanumeric_dashes_only`):
/// lowercase ASCII letters, digits and dashes, and not empty.
fn is_block_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Percent-encodes a name for one URL path segment (everything but RFC 3986's unreserved
/// characters), so `a/b`, `?` or spaces stay inside the name.
pub(super) fn encode_path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_a_block_can_have_are_asked_for() {
        for ok in ["db-pass-1", "x", "0", "-"] {
            assert!(is_block_name(ok), "{ok}");
        }
        for no in [
            "", "..", ".", "DB", "db_pass", "a/b", "a b", "clé", "a.b", "a%2e",
        ] {
            assert!(!is_block_name(no), "{no}");
        }
    }

    #[test]
    fn names_stay_one_path_segment() {
        assert_eq!(encode_path_segment("db-pass_1.x~"), "db-pass_1.x~");
        assert_eq!(encode_path_segment("a/b c?d%"), "a%2Fb%20c%3Fd%25");
        assert_eq!(encode_path_segment("clé"), "cl%C3%A9");
    }
}
