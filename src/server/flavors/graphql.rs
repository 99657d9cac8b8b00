//! The Prefect 0.5.3 GraphQL flavour: the `secretValue` query as its client sends it, and
//! how it reads the reply.

use std::sync::LazyLock;

use crate::error::Error;
use crate::pyjson::render::write_json_str;
use crate::pyjson::repr::py_str;
use crate::pystr::PyStr;
use crate::server::redact::Redactor;
use crate::value::Value;

/// `parse_graphql` of the query in `Secret.get`, byte for byte.
pub const QUERY: &str = "query($name: String!) {\n        secretValue(name: $name)\n}";

/// `json.dumps({"query": QUERY, "variables": json.dumps({"name": name})})`, with Python's
/// default separators: in 0.5.3 `variables` is itself a JSON-encoded string.
pub fn request_body(name: &str) -> Vec<u8> {
    // Everything before the variables is the same for every request.
    static START: LazyLock<Vec<u8>> = LazyLock::new(|| {
        let mut start = b"{\"query\": ".to_vec();
        write_json_str(&PyStr::from(QUERY), &mut start);
        start.extend_from_slice(b", \"variables\": ");
        start
    });
    let mut variables = b"{\"name\": ".to_vec();
    write_json_str(&PyStr::from(name), &mut variables);
    variables.push(b'}');
    let variables = String::from_utf8(variables).expect("JSON with ensure_ascii is ASCII");
    let mut body = Vec::with_capacity(START.len() + 2 * variables.len() + 4);
    body.extend_from_slice(&START);
    write_json_str(&PyStr::from(variables.as_str()), &mut body);
    body.push(b'}');
    body
}

/// At most this much of the server's GraphQL error messages goes into our message.
const MAX_ERROR_TEXT: usize = 300;

/// `result.data.secretValue`, after Prefect's checks: a reply with `errors` fails, as do a
/// reply that is not an object, a missing or non-object `data`, and a missing
/// `secretValue`. `Ok(None)` is Python's None.
///
/// Server texts in the message (GraphQL errors) pass through `redactor` first.
pub fn secret_value(reply: Value, redactor: &Redactor) -> Result<Option<Value>, Error> {
    let Value::Dict(mut reply) = reply else {
        return Err(Error::client(format!(
            "the server's reply is a JSON {}, not an object",
            reply.type_name()
        )));
    };
    if let Some(errors) = reply.get("errors") {
        return Err(Error::client(format!(
            "the server answered with GraphQL errors: {}",
            error_messages(errors, redactor)
        )));
    }
    let Some(data) = reply.remove("data") else {
        return Err(Error::client("the server's reply has no data"));
    };
    let Value::Dict(mut data) = data else {
        return Err(Error::client(format!(
            "the server's reply has data of type {}, not an object",
            data.type_name()
        )));
    };
    let Some(value) = data.remove("secretValue") else {
        return Err(Error::client("the server's reply has no data.secretValue"));
    };
    if has_items_key(&value) {
        return Err(Error::client(
            "the secret is an object with an \"items\" key, which Prefect 0.5.3's client cannot \
             return (its as_nested_dict fails)",
        ));
    }
    Ok(match value {
        Value::None => None,
        v => Some(v),
    })
}

/// Prefect converts the value with `as_nested_dict`, which calls `.items()` on every
/// object inside it; an object with its own `items` key shadows that method.
fn has_items_key(v: &Value) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Dict(d) => {
                if d.get("items").is_some() {
                    return true;
                }
                stack.extend(d.iter().map(|(_, v)| v));
            }
            Value::List(l) => stack.extend(l.0.iter()),
            _ => {}
        }
    }
    false
}

/// The `message` of each GraphQL error when `errors` is a list of `{"message": text}`
/// objects; otherwise Python's `str(errors)`, as Prefect's `ClientError` shows it.
/// Credentials are masked before the text is cut to length, so no part of one is left.
fn error_messages(errors: &Value, redactor: &Redactor) -> String {
    let message = |e: &Value| match e.as_dict().and_then(|d| d.get("message")) {
        Some(Value::Str(m)) => Some(m.to_string_lossy()),
        _ => None,
    };
    let text = match errors {
        Value::List(l) if !l.0.is_empty() => {
            let messages: Option<Vec<String>> = l.0.iter().map(message).collect();
            match messages {
                Some(m) => m.join("; "),
                None => py_str(errors).to_string_lossy(),
            }
        }
        other => py_str(other).to_string_lossy(),
    };
    redactor.clean_within(&text, MAX_ERROR_TEXT)
}

/// `response.json().get("token")` of the refresh reply; a missing token is Python's None
/// (which Prefect then sends as `Bearer None`).
pub fn refreshed_token(reply: Value) -> Result<Value, Error> {
    match reply {
        Value::Dict(mut d) => Ok(d.remove("token").unwrap_or(Value::None)),
        other => Err(Error::client(format!(
            "the server's token refresh reply is a JSON {}, not an object",
            other.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pyjson::loads;

    #[test]
    fn body_is_what_prefect_sends() {
        assert_eq!(
            String::from_utf8(request_body("é\"x")).unwrap(),
            r#"{"query": "query($name: String!) {\n        secretValue(name: $name)\n}", "variables": "{\"name\": \"\\u00e9\\\"x\"}"}"#
        );
    }

    fn value_of(reply: &str) -> Result<Option<Value>, Error> {
        let mut redactor = Redactor::default();
        redactor.add(b"tok-SECRET");
        secret_value(loads(reply.as_bytes()).unwrap(), &redactor)
    }

    #[test]
    fn reads_replies_like_prefect() {
        assert!(matches!(
            value_of(r#"{"data": {"secretValue": "x"}}"#),
            Ok(Some(Value::Str(_)))
        ));
        assert!(matches!(
            value_of(r#"{"data": {"secretValue": null}}"#),
            Ok(None)
        ));
        for bad in [
            r#"{"data": {"secretValue": "x"}, "errors": []}"#,
            r#"{"errors": [{"message": "No secret"}]}"#,
            r#"{"data": null}"#,
            r#"{"data": [1]}"#,
            r#"{"data": {}}"#,
            r#"{}"#,
            r#"[]"#,
            r#""text""#,
            r#"{"data": {"secretValue": {"a": [{"items": 1}]}}}"#,
        ] {
            let e = value_of(bad).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::Client, "{bad}");
        }
    }

    #[test]
    fn error_messages_are_quoted_and_bounded() {
        let e =
            value_of(r#"{"errors": [{"message": "No secret"}, {"message": "Nope"}]}"#).unwrap_err();
        assert!(
            e.message.ends_with("errors: No secret; Nope"),
            "{}",
            e.message
        );
        // Anything else: Python's str(errors), as Prefect's ClientError shows it.
        let e = value_of(r#"{"errors": [{"message": "No secret"}, {"x": 1}]}"#).unwrap_err();
        assert!(
            e.message
                .ends_with("errors: [{'message': 'No secret'}, {'x': 1}]"),
            "{}",
            e.message
        );
        let e = value_of(r#"{"data": "42", "errors": "GraphQL issue!"}"#).unwrap_err();
        assert!(
            e.message.ends_with("errors: GraphQL issue!"),
            "{}",
            e.message
        );
        let e = value_of(r#"{"errors": []}"#).unwrap_err();
        assert!(e.message.ends_with("errors: []"), "{}", e.message);
        let long = format!(r#"{{"errors": [{{"message": "{}"}}]}}"#, "é".repeat(400));
        assert!(value_of(&long).unwrap_err().message.len() < 400);
    }

    #[test]
    fn echoed_credentials_are_masked_before_cutting() {
        let e = value_of(r#"{"errors": [{"message": "bad token tok-SECRET"}]}"#).unwrap_err();
        assert!(e.message.ends_with("bad token [redacted]"), "{}", e.message);
        let e = value_of(r#"{"errors": {"token": "tok-SECRET"}}"#).unwrap_err();
        assert!(
            e.message.ends_with("{'token': '[redacted]'}"),
            "{}",
            e.message
        );
        // The token straddling the cut is masked whole, not cut in half.
        let long = format!(
            r#"{{"errors": [{{"message": "{}tok-SECRET"}}]}}"#,
            "x".repeat(MAX_ERROR_TEXT - 4)
        );
        let e = value_of(&long).unwrap_err();
        assert!(!e.message.contains("tok-"), "{}", e.message);
    }
}
