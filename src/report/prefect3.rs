//! Prefect 3's client settings in the reports: `secret_config_view`'s `[prefect3]`
//! section, shown under the Prefect 3 flavour. The same default deny as the rest of the
//! view: credentials and header values masked, text that could carry one masked.

use std::fmt::Write as _;

use super::view::{MASK, could_carry_credential, toml_str};
use crate::config::prefect3::{Resolved, Secret, Source};
use crate::context::State;

/// The `[prefect3]` section, or a comment saying why the settings cannot be read.
pub fn view_section(out: &mut String, state: &State, show_sources: bool) {
    let p3 = match state.prefect3() {
        Ok(p3) => p3,
        Err(e) => {
            let _ = writeln!(out, "\n# Prefect 3's settings cannot be read: {e}");
            return;
        }
    };
    let _ = writeln!(
        out,
        "\n# Prefect 3's client settings, as Prefect 3 resolves them (the prefect-3 flavour \
         reads these); active profile {:?}\n[prefect3]",
        p3.profile.name
    );
    let mut line = |key: &str, value: Option<String>, source: &Source| {
        let mut text = match value {
            Some(v) => format!("{} = {v}", toml_str(key)),
            None => format!("# {} is not set", toml_str(key)),
        };
        if show_sources {
            let _ = write!(text, "  # {source}");
        }
        let _ = writeln!(out, "{text}");
    };
    line(
        "api.url",
        p3.api_url.value.as_deref().map(text),
        &p3.api_url.source,
    );
    line("api.key", masked(&p3.api_key), &p3.api_key.source);
    line(
        "api.auth_string",
        masked(&p3.api_auth_string),
        &p3.api_auth_string.source,
    );
    let number = |r: &Resolved<f64>| Some(crate::pyjson::repr::float_repr(r.value));
    line(
        "api.request_timeout",
        number(&p3.api_request_timeout),
        &p3.api_request_timeout.source,
    );
    line(
        "api.ssl_cert_file",
        p3.api_ssl_cert_file.value.as_deref().map(text),
        &p3.api_ssl_cert_file.source,
    );
    let flag = |r: &Resolved<bool>| Some(r.value.to_string());
    line(
        "api.tls_insecure_skip_verify",
        flag(&p3.api_tls_insecure_skip_verify),
        &p3.api_tls_insecure_skip_verify.source,
    );
    line(
        "client.max_retries",
        Some(p3.client_max_retries.value.to_string()),
        &p3.client_max_retries.source,
    );
    line(
        "client.retry_jitter_factor",
        number(&p3.client_retry_jitter_factor),
        &p3.client_retry_jitter_factor.source,
    );
    let codes: Vec<String> = p3
        .client_retry_extra_codes
        .value
        .iter()
        .map(u16::to_string)
        .collect();
    line(
        "client.retry_extra_codes",
        Some(format!("[{}]", codes.join(", "))),
        &p3.client_retry_extra_codes.source,
    );
    // Names shown, values masked: a custom header often carries a credential.
    let headers: Vec<String> = p3
        .client_custom_headers
        .value
        .keys()
        .map(|name| {
            format!(
                "{} = {}",
                toml_str(name),
                toml_str(&format!("{MASK} (text)"))
            )
        })
        .collect();
    line(
        "client.custom_headers",
        Some(format!("{{ {} }}", headers.join(", "))),
        &p3.client_custom_headers.source,
    );
    line(
        "client.csrf_support_enabled",
        flag(&p3.client_csrf_support_enabled),
        &p3.client_csrf_support_enabled.source,
    );
    line("home", Some(text(&p3.home.value)), &p3.home.source);
    line(
        "profiles_path",
        Some(text(&p3.profiles_path.value)),
        &p3.profiles_path.source,
    );
}

/// Text as TOML, or masked when it could carry a credential (a URL with a user, ...).
fn text(s: &str) -> String {
    if could_carry_credential(s) {
        toml_str(&format!("{MASK} (text)"))
    } else {
        toml_str(s)
    }
}

fn masked(r: &Resolved<Option<Secret>>) -> Option<String> {
    r.value
        .as_ref()
        .map(|_| toml_str(&format!("{MASK} (text)")))
}
