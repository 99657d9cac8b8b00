//! A value as the C caller receives it: its two renderings, made once so that a get only
//! copies. Used by the context's secrets and by the server path's cache alike.

use zeroize::Zeroizing;

use crate::pyjson;
use crate::value::Value;

/// A value as `secret_get` and `secret_get_json` write it, each rendering made once (a
/// get only copies). Kept for every secret of a file, so no byte twice: the text of most
/// strings is their JSON without the quotes. Wiped on drop.
#[derive(Debug)]
pub struct Rendered {
    json: Zeroizing<Vec<u8>>,
    text: Text,
}

/// Where the text rendering is.
#[derive(Debug)]
enum Text {
    /// Not a string: the text is the JSON.
    Json,
    /// A string whose JSON is its text in quotes (no escape).
    Quoted,
    Own(Zeroizing<Vec<u8>>),
}

impl Rendered {
    pub fn of(v: &Value) -> Rendered {
        let mut json = Zeroizing::new(Vec::new());
        pyjson::to_json(v, &mut json);
        // Exactly its size: there may be a great many.
        json.shrink_to_fit();
        let text = match v {
            Value::Str(s) => {
                let quoted = json.len().checked_sub(1).and_then(|end| json.get(1..end));
                // Valid UTF-8 is its own WTF-8 (the text rendering): compared without a copy.
                if s.as_str().is_some() && quoted == Some(s.as_bytes()) {
                    Text::Quoted
                } else {
                    Text::Own(Zeroizing::new(pyjson::to_raw(v)))
                }
            }
            _ => Text::Json,
        };
        Rendered { json, text }
    }

    pub fn json(&self) -> &[u8] {
        &self.json
    }

    pub fn text(&self) -> &[u8] {
        match &self.text {
            Text::Json => &self.json,
            Text::Quoted => &self.json[1..self.json.len() - 1],
            Text::Own(text) => text,
        }
    }

    /// The bytes in the rendering a caller asked for.
    pub fn bytes(&self, format: Format) -> &[u8] {
        match format {
            Format::Text => self.text(),
            Format::Json => self.json(),
        }
    }
}

/// Which rendering the caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A string as its text, anything else as JSON (`secret_get`).
    Text,
    /// Always JSON (`secret_get_json`).
    Json,
}
