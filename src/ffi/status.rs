//! Status codes: stable numbers, part of the ABI.

use crate::error::ErrorKind;

/// Status codes returned (as `int32_t`) by every function that can fail.
/// Zero and positive values are not errors; negative values are.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum SecretStatus {
    /// Success; for a getter, the value was written.
    SECRET_OK = 0,
    /// The secret resolved to nothing (Python's `None`); not an error.
    SECRET_NOT_FOUND = 1,
    /// A NULL where not allowed, text that is not UTF-8, a NULL buffer with a length, or an
    /// output that overlaps the name.
    SECRET_ERR_INVALID_ARGUMENT = -1,
    /// The buffer cannot hold the value and its NUL; `*out_len` says how long the value is.
    SECRET_ERR_BUFFER_TOO_SMALL = -2,
    /// A Flow is being built (`secret_context_set_flow_building(true)`).
    SECRET_ERR_FLOW_BUILDING = -3,
    /// No token for the server, or the server refused it (401) after a refresh.
    SECRET_ERR_AUTH = -4,
    /// The server could not be asked or its answer is unusable.
    SECRET_ERR_CLIENT = -5,
    /// The configuration is one Prefect 0.5.3 would refuse, or a value `get` cannot return.
    SECRET_ERR_CONFIG = -6,
    /// A bug in the library (a panic caught at the boundary).
    SECRET_ERR_INTERNAL = -99,
}

/// Every status, in the enum's order, for looking one up by number. The numbers are
/// written only in the enum; a test checks that this lists each of its variants once,
/// against the header cbindgen generates from the enum in every build.
pub(super) const ALL: &[SecretStatus] = &[
    SecretStatus::SECRET_OK,
    SecretStatus::SECRET_NOT_FOUND,
    SecretStatus::SECRET_ERR_INVALID_ARGUMENT,
    SecretStatus::SECRET_ERR_BUFFER_TOO_SMALL,
    SecretStatus::SECRET_ERR_FLOW_BUILDING,
    SecretStatus::SECRET_ERR_AUTH,
    SecretStatus::SECRET_ERR_CLIENT,
    SecretStatus::SECRET_ERR_CONFIG,
    SecretStatus::SECRET_ERR_INTERNAL,
];

impl SecretStatus {
    pub fn of(kind: ErrorKind) -> SecretStatus {
        match kind {
            ErrorKind::InvalidArgument => SecretStatus::SECRET_ERR_INVALID_ARGUMENT,
            ErrorKind::BufferTooSmall => SecretStatus::SECRET_ERR_BUFFER_TOO_SMALL,
            ErrorKind::FlowBuilding => SecretStatus::SECRET_ERR_FLOW_BUILDING,
            ErrorKind::Auth => SecretStatus::SECRET_ERR_AUTH,
            ErrorKind::Client => SecretStatus::SECRET_ERR_CLIENT,
            ErrorKind::Config => SecretStatus::SECRET_ERR_CONFIG,
            ErrorKind::Internal => SecretStatus::SECRET_ERR_INTERNAL,
        }
    }

    /// What it means, NUL-terminated, after its name (`secret_status_str`).
    pub fn description(self) -> &'static str {
        match self {
            Self::SECRET_OK => "SECRET_OK: success\0",
            Self::SECRET_NOT_FOUND => "SECRET_NOT_FOUND: the secret resolved to nothing (None)\0",
            Self::SECRET_ERR_INVALID_ARGUMENT => {
                "SECRET_ERR_INVALID_ARGUMENT: an argument is NULL, not UTF-8 or unusable\0"
            }
            Self::SECRET_ERR_BUFFER_TOO_SMALL => {
                "SECRET_ERR_BUFFER_TOO_SMALL: the buffer cannot hold the value and its NUL\0"
            }
            Self::SECRET_ERR_FLOW_BUILDING => {
                "SECRET_ERR_FLOW_BUILDING: secrets cannot be read while a Flow is being built\0"
            }
            Self::SECRET_ERR_AUTH => "SECRET_ERR_AUTH: no server token, or the server refused it\0",
            Self::SECRET_ERR_CLIENT => {
                "SECRET_ERR_CLIENT: the server could not be asked or its answer is unusable\0"
            }
            Self::SECRET_ERR_CONFIG => "SECRET_ERR_CONFIG: the Prefect configuration is invalid\0",
            Self::SECRET_ERR_INTERNAL => "SECRET_ERR_INTERNAL: internal error in prefect-secrets\0",
        }
    }

    /// A static, NUL-terminated description of a status number.
    pub fn describe(code: i32) -> &'static str {
        ALL.iter()
            .find(|s| **s as i32 == code)
            .map_or("unknown status code\0", |s| s.description())
    }
}

#[cfg(test)]
mod tests {
    use super::{ALL, SecretStatus};

    /// `ALL` is exactly the enum's variants, in order: the status enumerators of the header
    /// cbindgen generated from the enum in this build (so a variant added to the enum and
    /// not to `ALL` fails here at once), and of the committed header. Each description
    /// starts with its own name, and `describe` finds it by number.
    #[test]
    fn statuses_are_listed_once_and_agree_with_the_header() {
        let all: Vec<(String, i32)> = ALL.iter().map(|s| (format!("{s:?}"), *s as i32)).collect();
        for (which, header) in [
            (
                "the header generated from the enum ($OUT_DIR/prefect_secrets.h)",
                include_str!(concat!(env!("OUT_DIR"), "/prefect_secrets.h")),
            ),
            (
                "include/prefect_secrets.h",
                include_str!("../../include/prefect_secrets.h"),
            ),
        ] {
            let declared: Vec<(String, i32)> = crate::header_text::enumerators(header)
                .into_iter()
                .filter(|(name, _)| !name.starts_with("SECRET_SERVER_"))
                .collect();
            assert_eq!(
                all, declared,
                "status::ALL (left) vs the SecretStatus enumerators of {which} (right)"
            );
        }
        for &s in ALL {
            assert!(s.description().starts_with(&format!("{s:?}: ")));
            assert_eq!(SecretStatus::describe(s as i32), s.description());
        }
        assert_eq!(SecretStatus::describe(42), "unknown status code\0");
    }
}
