//! The process-wide state: one snapshot shared by every thread.
//!
//! Readers load the current snapshot without locking (`arc-swap`), so concurrent `get`s
//! never wait for each other; writers serialize on a mutex, build a new snapshot and swap
//! it in. A snapshot that was replaced is freed (and its secrets wiped) when its last
//! reader is done with it. The configuration loads lazily, on the first call.

use std::sync::{Arc, Mutex, OnceLock};

use arc_swap::ArcSwap;

use crate::config::host::{Accounts, Environment, Host};
use crate::context::State;
use crate::error::Error;

/// The current state, or why the configuration could not be loaded.
pub type Loaded = Result<State, Error>;

pub struct Store {
    current: ArcSwap<Loaded>,
    writer: Mutex<()>,
    accounts: Box<dyn Accounts>,
}

impl Store {
    pub fn new(loaded: Loaded, accounts: Box<dyn Accounts>) -> Store {
        Store {
            current: ArcSwap::from_pointee(loaded),
            writer: Mutex::new(()),
            accounts,
        }
    }

    /// Loads the configuration from this process's environment.
    pub fn from_process(accounts: Box<dyn Accounts>) -> Store {
        let loaded = load_from_process(accounts.as_ref());
        Store::new(loaded, accounts)
    }

    /// Runs `f` on the current snapshot. Cheap enough for the hottest path; do not block
    /// inside `f` (use [`Store::snapshot`] for that).
    pub fn read<R>(&self, f: impl FnOnce(&State) -> Result<R, Error>) -> Result<R, Error> {
        let guard = self.current.load();
        match &**guard {
            Ok(state) => f(state),
            Err(e) => Err(e.clone()),
        }
    }

    /// The current snapshot, owned, for work that takes time (network calls).
    pub fn snapshot(&self) -> Arc<Loaded> {
        self.current.load_full()
    }

    /// Builds the next snapshot from the current one with `f` and publishes it; when `f`
    /// fails nothing changes.
    pub fn update<R>(&self, f: impl FnOnce(&mut State) -> Result<R, Error>) -> Result<R, Error> {
        let _writer = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.current.load_full();
        let mut next = match &*current {
            Ok(state) => state.clone(),
            Err(e) => return Err(e.clone()),
        };
        let r = f(&mut next)?;
        self.current.store(Arc::new(Ok(next)));
        Ok(r)
    }

    /// Merges a Prefect configuration file over the current configuration, reading the
    /// environment as it is now.
    pub fn load_file(&self, path: &str) -> Result<(), Error> {
        let env = Environment::from_process();
        let host = Host {
            env: &env,
            accounts: self.accounts.as_ref(),
        };
        self.update(|state| {
            *state = state.load_file(path, &host)?;
            Ok(())
        })
    }

    /// Reloads everything as at process start (defaults, environment, user file), also
    /// when the current configuration is broken. Returns the load's error, if any.
    pub fn reset(&self) -> Result<(), Error> {
        let _writer = self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let loaded = load_from_process(self.accounts.as_ref());
        let result = loaded.as_ref().map(|_| ()).map_err(Clone::clone);
        self.current.store(Arc::new(loaded));
        result
    }
}

fn load_from_process(accounts: &dyn Accounts) -> Loaded {
    let env = Environment::from_process();
    let host = Host {
        env: &env,
        accounts,
    };
    State::load_startup(&host).map_err(Error::from)
}

/// The store every C call uses, loaded on first use.
pub fn global() -> &'static Store {
    static GLOBAL: OnceLock<Store> = OnceLock::new();
    GLOBAL.get_or_init(|| Store::from_process(crate::sys::accounts()))
}
