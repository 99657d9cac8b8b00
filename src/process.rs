//! The host process: what must not cross a `fork()`.
//!
//! A prefork server (Puma, Unicorn, gunicorn) loads the library, may use it, then forks.
//! The child is a copy of the parent at that instant, with one thread. Anything the child
//! shared with the parent would be wrong: a pooled connection (both would read each
//! other's replies), a TLS session, a cache; and any lock another parent thread held at
//! that instant stays locked in the child forever.
//!
//! So the server path keeps its process-wide state (connection pools, the cache) in
//! [`PerProcess`] slots, tagged with the fork [`generation`] they were made in. A child
//! (told by a `pthread_atfork` handler, which only bumps a counter) finds the tag stale
//! and makes a fresh state; the parent's is abandoned untouched (never locked, closed or
//! dropped: another parent thread may have been in the middle of using it, and closing a
//! TLS connection would write to a socket the parent still uses). Its descriptors are
//! close-on-exec and close when the child exits.
//!
//! The one lock that must carry over is the configuration writer's (the snapshot itself
//! is inherited on purpose: secrets set before fork are still set in the child); the
//! store registers a hook ([`on_fork`]) that holds it across `fork()` so no update is half
//! done in the child. This module knows nothing of the store: it sits below it.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use arc_swap::ArcSwapOption;

/// Bumped in every child, by the fork handler.
static GENERATION: AtomicU64 = AtomicU64::new(0);
static HANDLERS: AtomicBool = AtomicBool::new(false);
/// What a layer above asks to run around `fork()` (see [`on_fork`]).
static HOOKS: OnceLock<ForkHooks> = OnceLock::new();

/// Functions run inside `fork()`: before it, and after it in both the parent and the
/// child (the counter is bumped first there). They must not panic or block on anything
/// a forking thread may hold.
pub struct ForkHooks {
    pub before: fn(),
    pub after: fn(),
}

/// Runs `hooks` around every later `fork()` (the first registration stays), and installs
/// the handlers.
pub fn on_fork(hooks: ForkHooks) {
    let _ = HOOKS.set(hooks);
    watch_forks();
}

fn run_hook(pick: fn(&ForkHooks) -> fn()) {
    // `get` does not block: a registration racing with a fork is simply not run.
    if let Some(hooks) = HOOKS.get() {
        pick(hooks)();
    }
}

/// Which process this is, as far as state goes: 0 in the process that loaded the
/// library, one more in each generation of forked children.
pub fn generation() -> u64 {
    watch_forks();
    GENERATION.load(Ordering::Acquire)
}

/// Installs the fork handlers once (without blocking: a `Once` left running by another
/// thread at fork would hang the child).
pub fn watch_forks() {
    if !HANDLERS.load(Ordering::Relaxed) && !HANDLERS.swap(true, Ordering::AcqRel) {
        crate::sys::at_fork(before_fork, after_fork_in_parent, after_fork_in_child);
    }
}

// The handlers run inside `fork()`: they must not panic (that would abort the host).

extern "C" fn before_fork() {
    run_hook(|h| h.before);
}

extern "C" fn after_fork_in_parent() {
    run_hook(|h| h.after);
}

extern "C" fn after_fork_in_child() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
    run_hook(|h| h.after);
}

/// One value per process: the one made in this process's generation, or a new one.
pub struct PerProcess<T> {
    slot: ArcSwapOption<Tagged<T>>,
}

pub struct Tagged<T> {
    generation: u64,
    value: T,
}

impl<T> Deref for Tagged<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> PerProcess<T> {
    pub const fn new() -> Self {
        PerProcess {
            slot: ArcSwapOption::const_empty(),
        }
    }

    /// This process's value, made with `make` the first time (in each forked child too).
    pub fn get(&self, make: impl FnOnce() -> T) -> Arc<Tagged<T>> {
        let generation = generation();
        let mut make = Some(make);
        let mut fresh: Option<Arc<Tagged<T>>> = None;
        loop {
            let current = self.slot.load_full();
            if let Some(v) = &current {
                if v.generation == generation {
                    return v.clone();
                }
            }
            let candidate = fresh
                .get_or_insert_with(|| {
                    let make = make.take().expect("made at most once");
                    Arc::new(Tagged {
                        generation,
                        value: make(),
                    })
                })
                .clone();
            let previous = self
                .slot
                .compare_and_swap(&current, Some(candidate.clone()));
            let installed = match (&*previous, &current) {
                (Some(p), Some(c)) => Arc::ptr_eq(p, c),
                (None, None) => true,
                _ => false,
            };
            if installed {
                // The parent's value is abandoned, never dropped (see the module comment).
                if let Some(old) = current {
                    if old.generation != generation {
                        std::mem::forget(old);
                    }
                }
                return candidate;
            }
            // Another thread of this process installed one first: look again.
        }
    }

    /// This process's value if one was made.
    pub fn peek(&self) -> Option<Arc<Tagged<T>>> {
        let generation = generation();
        self.slot.load_full().filter(|v| v.generation == generation)
    }
}

impl<T> Default for PerProcess<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_process() {
        static SLOT: PerProcess<Vec<u8>> = PerProcess::new();
        let a = SLOT.get(|| vec![1]);
        let b = SLOT.get(|| vec![2]);
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(**a, vec![1]);
        assert!(SLOT.peek().is_some());
    }
}
