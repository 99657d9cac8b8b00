//! The `[cloud]` table: the settings of the server path (what each key is and how it is
//! checked), read from a configuration into [`settings::Settings`], and the facts they are
//! checked against (the flavour names, the clear-text URL rule, the proxy variables).
//! Below the server path, which asks with them, and below the context, which keeps
//! them: nothing here sends a request.

pub mod flavors;
pub mod keys;
pub mod proxy;
pub mod settings;
pub mod url;
