//! The process-wide state: one snapshot shared by every thread.
//!
//! Readers load the current snapshot without locking (`arc-swap`), so concurrent `get`s
//! never wait for each other; writers serialize on a mutex, build a new snapshot and swap
//! it in. A snapshot that was replaced is freed (and its secrets wiped) when its last
//! reader is done with it. The configuration loads lazily, on the first call.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use arc_swap::ArcSwap;

use crate::config::Limits;
use crate::config::host::{Accounts, Environment, Host};
use crate::context::State;
use crate::error::Error;
use crate::pystr::PyStr;

/// The current state, or why the configuration could not be loaded.
pub type Loaded = Result<State, Error>;

/// What readers load: a state and its version, published together so that a reader
/// never pairs one snapshot with another's version.
pub struct Snapshot {
    pub version: Version,
    pub loaded: Loaded,
}

impl std::ops::Deref for Snapshot {
    type Target = Loaded;

    fn deref(&self) -> &Loaded {
        &self.loaded
    }
}

/// Where the environment comes from: the live process, or a fixed one (tests).
enum EnvSource {
    Process,
    Fixed(Environment),
}

/// Which store, and which of its snapshots: anything derived from a snapshot (a cached or
/// reused server value) is stale once the store's version changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    store: u64,
    snapshot: u64,
}

impl Version {
    /// The store it belongs to (cache entries of one store replace each other by name).
    pub fn store(self) -> u64 {
        self.store
    }

    #[cfg(test)]
    pub(crate) fn for_tests(store: u64, snapshot: u64) -> Version {
        Version { store, snapshot }
    }
}

/// Told of every snapshot any store publishes, with its version: the server cache
/// registers here (`server::cache::retire`) so that values fetched under an older
/// snapshot are wiped at once. A hook rather than a call, so the store knows nothing
/// of the layers above it.
static ON_PUBLISH: OnceLock<fn(Version)> = OnceLock::new();

/// Registers the one listener of [`ON_PUBLISH`] (later calls change nothing).
pub fn on_publish(listener: fn(Version)) {
    let _ = ON_PUBLISH.set(listener);
}

pub struct Store {
    current: ArcSwap<Snapshot>,
    writer: Mutex<()>,
    /// Tells stores apart (see [`Store::version`]).
    id: u64,
    env: EnvSource,
    accounts: Box<dyn Accounts>,
    /// The working directory Prefect 3's settings are read in; `None`: the process's, as
    /// it is at each load.
    cwd: Option<PathBuf>,
    /// The caps every load applies (see [`Limits`]).
    limits: Limits,
    /// Resets started, and the ticket of the last one published (see [`Store::reset`]).
    resets_started: AtomicU64,
    reset_published: AtomicU64,
}

impl Store {
    /// A store reading this process's environment (as it is at each load or reset).
    pub fn from_process(accounts: Box<dyn Accounts>) -> Store {
        Store::build(EnvSource::Process, accounts, Limits::DEFAULT, None)
    }

    /// A store that sees `env` as its environment.
    pub fn with_env(env: Environment, accounts: Box<dyn Accounts>) -> Store {
        Store::build(EnvSource::Fixed(env), accounts, Limits::DEFAULT, None)
    }

    /// [`Store::with_env`] in the working directory `cwd` (Prefect 3's `.env` and TOML
    /// files are looked for there).
    pub fn with_env_in(env: Environment, accounts: Box<dyn Accounts>, cwd: PathBuf) -> Store {
        Store::build(EnvSource::Fixed(env), accounts, Limits::DEFAULT, Some(cwd))
    }

    /// [`Store::with_env`] with other caps: tests reach a cap with small ones.
    pub fn with_limits(env: Environment, accounts: Box<dyn Accounts>, limits: Limits) -> Store {
        Store::build(EnvSource::Fixed(env), accounts, limits, None)
    }

    fn build(
        env: EnvSource,
        accounts: Box<dyn Accounts>,
        limits: Limits,
        cwd: Option<PathBuf>,
    ) -> Store {
        static IDS: AtomicU64 = AtomicU64::new(0);
        let mut store = Store {
            current: ArcSwap::from_pointee(Snapshot {
                version: Version {
                    store: 0,
                    snapshot: 0,
                },
                loaded: Err(Error::config("not loaded yet")),
            }),
            writer: Mutex::new(()),
            id: IDS.fetch_add(1, Ordering::Relaxed),
            env,
            accounts,
            cwd,
            limits,
            resets_started: AtomicU64::new(0),
            reset_published: AtomicU64::new(0),
        };
        let loaded = store.load();
        let version = Version {
            store: store.id,
            snapshot: 0,
        };
        store.current = ArcSwap::from_pointee(Snapshot { version, loaded });
        store
    }

    /// The environment as the store sees it now: read only to load (never by a get or a
    /// report, which use the snapshot taken then).
    fn environment(&self) -> Environment {
        match &self.env {
            EnvSource::Process => Environment::from_process(),
            EnvSource::Fixed(env) => env.clone(),
        }
    }

    pub fn accounts(&self) -> &dyn Accounts {
        self.accounts.as_ref()
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn load(&self) -> Loaded {
        let env = self.environment();
        let host = Host {
            env: &env,
            accounts: self.accounts(),
            limits: self.limits,
        };
        let cwd = match &self.cwd {
            Some(dir) => dir.clone(),
            // No working directory (it was removed): no Prefect 3 file is found.
            None => std::env::current_dir().unwrap_or_default(),
        };
        State::load_startup(&host, &cwd).map_err(Error::from)
    }

    /// Which store, and which of its snapshots, is current.
    pub fn version(&self) -> Version {
        self.current.load().version
    }

    /// Publishes `loaded` with the next version (under the writer lock, so versions
    /// only grow).
    fn publish(&self, loaded: Loaded) {
        let version = Version {
            store: self.id,
            snapshot: self.version().snapshot + 1,
        };
        self.current.store(Arc::new(Snapshot { version, loaded }));
        if let Some(listener) = ON_PUBLISH.get() {
            listener(version);
        }
    }

    /// Runs `f` on the current snapshot. Cheap enough for the hottest path; do not block
    /// inside `f`: take what is needed out of the snapshot and work after `read` returns.
    /// Inlined: otherwise the compiler may keep it a call of its own on the get path.
    #[inline]
    pub fn read<R>(&self, f: impl FnOnce(&State) -> Result<R, Error>) -> Result<R, Error> {
        let guard = self.current.load();
        match &guard.loaded {
            Ok(state) => f(state),
            Err(e) => Err(e.clone()),
        }
    }

    /// The current snapshot, held for as long as the caller likes (reports that read
    /// files while looking at it); `get` uses [`Store::read`].
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Builds the next snapshot from the current one with `f` and publishes it; when `f`
    /// fails nothing changes.
    pub fn update<R>(&self, f: impl FnOnce(&mut State) -> Result<R, Error>) -> Result<R, Error> {
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.current.load_full();
        let mut next = match &current.loaded {
            Ok(state) => state.clone(),
            Err(e) => return Err(e.clone()),
        };
        let r = f(&mut next)?;
        self.publish(Ok(next));
        Ok(r)
    }

    /// Merges a Prefect configuration file over the current configuration, reading the
    /// environment as it is now.
    ///
    /// The file is read and loaded before the writer lock is taken: a slow or hostile
    /// file holds up only this call, never another thread's setter or reset. Under the
    /// lock it is merged over whatever is current by then.
    pub fn load_file(&self, path: &str) -> Result<(), Error> {
        // A broken configuration is reported first, as when the file was read under the
        // lock (and `update` checks again).
        self.read(|_| Ok(()))?;
        let env = self.environment();
        let host = Host {
            env: &env,
            accounts: self.accounts(),
            limits: self.limits,
        };
        let file = crate::config::load_path(&PyStr::from(path), &host)?;
        self.update(|state| {
            *state = state.merge_file(file, &host)?;
            Ok(())
        })
    }

    /// Reloads everything as at process start (defaults, environment, user file), also
    /// when the current configuration is broken. Returns the load's error, if any.
    ///
    /// The load (which reads the user file) runs before the writer lock is taken. When
    /// resets overlap, the one that started last is what stays: an earlier one finishing
    /// later does not publish over it.
    pub fn reset(&self) -> Result<(), Error> {
        let ticket = self.resets_started.fetch_add(1, Ordering::AcqRel) + 1;
        let loaded = self.load();
        let result = loaded.as_ref().map(|_| ()).map_err(Clone::clone);
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.reset_published.load(Ordering::Acquire) < ticket {
            self.reset_published.store(ticket, Ordering::Release);
            self.publish(loaded);
        }
        result
    }
}

static GLOBAL: OnceLock<Store> = OnceLock::new();

/// The store every C call uses, loaded on first use.
///
/// Loading reads the user file, so it happens outside any lock: threads making their
/// first calls at once each load (none waits on another's file system), and the first
/// to finish is the store every thread then uses.
pub fn global() -> &'static Store {
    if let Some(store) = GLOBAL.get() {
        return store;
    }
    crate::process::on_fork(crate::process::ForkHooks {
        before: hold_writer_for_fork,
        after: release_writer_after_fork,
    });
    crate::sys::pin_library();
    // Loaded outside the `OnceLock` (two first calls may both load; one wins), so a fork
    // while another thread loads cannot leave the child waiting for that thread.
    let _ = GLOBAL.set(Store::from_process(crate::sys::accounts()));
    GLOBAL.get().expect("set just above")
}

thread_local! {
    /// The global writer lock, held by the forking thread across `fork()`.
    static HELD_FOR_FORK: std::cell::RefCell<Option<MutexGuard<'static, ()>>> =
        const { std::cell::RefCell::new(None) };
}

/// Before `fork()`: wait for any configuration change in progress, and hold the writer
/// lock so the child never inherits it locked by a thread it does not have.
fn hold_writer_for_fork() {
    if let Some(store) = GLOBAL.get() {
        let guard = store.writer.lock().unwrap_or_else(|p| p.into_inner());
        let _ = HELD_FOR_FORK.try_with(|held| *held.borrow_mut() = Some(guard));
    }
}

/// After `fork()`, in the parent and in the child: release it.
fn release_writer_after_fork() {
    let _ = HELD_FOR_FORK.try_with(|held| held.borrow_mut().take());
}
