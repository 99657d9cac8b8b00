//! What the configuration reads from its surroundings: the environment (as Python's
//! `os.environ` sees it) and the user database (for `~` and `~user`).
//! Both are injected, so the loader is testable and free of global state.

use indexmap::IndexMap;

use crate::pystr::PyStr;

/// Which `os.path` Python would use: `posixpath` or `ntpath` (Windows), for `$VAR`, `%VAR%`
/// and `~` expansion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PathRules {
    #[default]
    Posix,
    Windows,
}

impl PathRules {
    /// The rules of the platform this library runs on.
    pub fn native() -> Self {
        if cfg!(windows) {
            PathRules::Windows
        } else {
            PathRules::Posix
        }
    }
}

/// The process environment in `environ` order, names and values decoded as Python does
/// (UTF-8 with `surrogateescape`; UTF-16 on Windows); for a name given twice, the first
/// one counts. Under Windows rules names are upper-cased and looked up without regard to
/// case, as Python's `os.environ` does there.
#[derive(Clone, Default)]
pub struct Environment {
    vars: IndexMap<PyStr, PyStr>,
    rules: PathRules,
}

impl std::fmt::Debug for Environment {
    /// Names only: values may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.vars.keys().map(PyStr::to_string_lossy))
            .finish()
    }
}

impl Environment {
    pub fn from_process() -> Self {
        Self::from_os(std::env::vars_os()).with_rules(PathRules::native())
    }

    /// The same variables under other path rules (Windows upper-cases the names).
    pub fn with_rules(self, rules: PathRules) -> Self {
        let mut env = Environment {
            vars: IndexMap::new(),
            rules,
        };
        for (k, v) in self.vars {
            env.vars.entry(env.key(&k)).or_insert(v);
        }
        env
    }

    pub fn rules(&self) -> PathRules {
        self.rules
    }

    fn key(&self, name: &PyStr) -> PyStr {
        match self.rules {
            PathRules::Posix => name.clone(),
            PathRules::Windows => name.to_uppercase(),
        }
    }

    fn from_os(vars: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>) -> Self {
        let mut env = Environment::default();
        for (k, v) in vars {
            let (k, v) = (Self::os_to_py(&k), Self::os_to_py(&v));
            env.vars.entry(k).or_insert(v);
        }
        env
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut env = Environment::default();
        for (k, v) in pairs {
            env.vars.entry(PyStr::from(k)).or_insert(PyStr::from(v));
        }
        env
    }

    /// Decodes an environment name or value as Python does.
    pub fn os_to_py(s: &std::ffi::OsStr) -> PyStr {
        os_to_py(s)
    }

    /// Only the named variables (those present), in this environment's order.
    pub fn subset(&self, names: &[&str]) -> Environment {
        Environment {
            vars: names
                .iter()
                .filter_map(|n| self.get(n.as_bytes()).map(|v| (PyStr::from(*n), v.clone())))
                .collect(),
            rules: self.rules,
        }
        .with_rules(self.rules)
    }

    /// A variable's value; without regard to case under Windows rules.
    pub fn get(&self, name: &[u8]) -> Option<&PyStr> {
        match self.rules {
            PathRules::Posix => self.vars.get(name),
            PathRules::Windows => self
                .vars
                .get(PyStr::from_gutf8(name.to_vec()).to_uppercase().as_bytes()),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&PyStr, &PyStr)> {
        self.vars.iter()
    }
}

#[cfg(unix)]
fn os_to_py(s: &std::ffi::OsStr) -> PyStr {
    use std::os::unix::ffi::OsStrExt;
    PyStr::from_bytes_surrogateescape(s.as_bytes())
}

#[cfg(windows)]
fn os_to_py(s: &std::ffi::OsStr) -> PyStr {
    // UTF-16, lone surrogates kept, as Python decodes the Windows environment.
    use std::os::windows::ffi::OsStrExt;
    let mut out = PyStr::new();
    for unit in char::decode_utf16(s.encode_wide()) {
        match unit {
            Ok(c) => out.push_code_point(c as u32),
            Err(e) => out.push_code_point(u32::from(e.unpaired_surrogate())),
        }
    }
    out
}

#[cfg(not(any(unix, windows)))]
fn os_to_py(s: &std::ffi::OsStr) -> PyStr {
    PyStr::from(s.to_string_lossy().into_owned())
}

/// Home directories from the user database (`pwd` in Python).
pub trait Accounts: Send + Sync {
    /// The current user's home, for `~` when `HOME` is not set.
    fn current_home(&self) -> Option<Vec<u8>>;
    /// The named user's home, for `~name`.
    fn home_of(&self, name: &[u8]) -> Option<Vec<u8>>;
}

/// A user database with nobody in it (tests, and platforms without one).
pub struct NoAccounts;

impl Accounts for NoAccounts {
    fn current_home(&self) -> Option<Vec<u8>> {
        None
    }
    fn home_of(&self, _: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

/// Everything configuration loading reads from outside, and the caps it applies.
pub struct Host<'a> {
    pub env: &'a Environment,
    pub accounts: &'a dyn Accounts,
    pub limits: super::Limits,
}
