//! `Dict`: a Python `dict` with string keys, in insertion order.
//!
//! Built for the shape configuration files take: a great many small tables (`[[jobs]]`
//! with a key or two, 400,000 of them in a file) beside a few big ones
//! (`[context.secrets]` with thousands of keys). The entries sit in one vector, found by
//! scanning while there are few; past [`SCANNED_UP_TO`] a hash index of their positions
//! is built beside them. A one-key table is so one allocation of 72 bytes, where a hash
//! map took three and some 260 bytes, and the big table still finds a key in one probe.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use super::Value;
use crate::pystr::PyStr;

/// Up to this many entries a key is found by comparing it with each (a few short byte
/// comparisons cost less than hashing); more get an index.
const SCANNED_UP_TO: usize = 8;

/// A Python `dict` with string keys, in insertion order; setting an existing key keeps
/// its position, as in Python.
#[derive(Clone, Default)]
pub struct Dict {
    entries: Vec<(PyStr, Value)>,
    /// The positions of `entries` by their keys' hashes, once there are more than
    /// [`SCANNED_UP_TO`]. Boxed: most dicts are small, and `Value` holds a `Dict`.
    index: Option<Box<Index>>,
}

#[derive(Clone)]
struct Index {
    /// Seeded per index, so a hostile file cannot pick keys that all collide.
    hasher: RandomState,
    positions: HashTable<usize>,
}

impl Index {
    fn of(entries: &[(PyStr, Value)]) -> Box<Index> {
        let mut index = Box::new(Index {
            hasher: RandomState::new(),
            positions: HashTable::with_capacity(entries.len()),
        });
        for i in 0..entries.len() {
            index.add(entries, i);
        }
        index
    }

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    fn find(&self, entries: &[(PyStr, Value)], key: &[u8]) -> Option<usize> {
        let hash = self.hash(key);
        self.positions
            .find(hash, |&i| entries[i].0.as_bytes() == key)
            .copied()
    }

    /// Indexes `entries[i]`, whose key is in no other entry.
    fn add(&mut self, entries: &[(PyStr, Value)], i: usize) {
        let hash = self.hash(entries[i].0.as_bytes());
        let hasher = &self.hasher;
        self.positions
            .insert_unique(hash, i, |&j| hasher.hash_one(entries[j].0.as_bytes()));
    }
}

impl Dict {
    pub fn new() -> Self {
        Dict::default()
    }

    /// An empty dict with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        Dict {
            entries: Vec::with_capacity(n),
            index: None,
        }
    }

    /// The position of `key`, if set.
    pub fn get_index_of(&self, key: &(impl AsRef<[u8]> + ?Sized)) -> Option<usize> {
        let key = key.as_ref();
        match &self.index {
            Some(index) => index.find(&self.entries, key),
            None => self.entries.iter().position(|(k, _)| k.as_bytes() == key),
        }
    }

    pub fn contains_key(&self, key: &(impl AsRef<[u8]> + ?Sized)) -> bool {
        self.get_index_of(key).is_some()
    }

    pub fn get(&self, key: &(impl AsRef<[u8]> + ?Sized)) -> Option<&Value> {
        let i = self.get_index_of(key)?;
        Some(&self.entries[i].1)
    }

    pub fn get_mut(&mut self, key: &(impl AsRef<[u8]> + ?Sized)) -> Option<&mut Value> {
        let i = self.get_index_of(key)?;
        Some(&mut self.entries[i].1)
    }

    /// The `i`-th entry.
    pub fn get_index(&self, i: usize) -> Option<(&PyStr, &Value)> {
        self.entries.get(i).map(|(k, v)| (k, v))
    }

    /// The value of the `i`-th entry (its key stays: the index depends on it).
    pub fn get_index_mut(&mut self, i: usize) -> Option<&mut Value> {
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// Sets `key`: in its place when already set (returning the value it had), else last.
    pub fn insert(&mut self, key: PyStr, value: Value) -> Option<Value> {
        if let Some(i) = self.get_index_of(&key) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        self.entries.push((key, value));
        match &mut self.index {
            Some(index) => index.add(&self.entries, self.entries.len() - 1),
            None if self.entries.len() > SCANNED_UP_TO => {
                self.index = Some(Index::of(&self.entries));
            }
            None => {}
        }
        None
    }

    /// Unsets `key`, keeping the order of the others (Python's `del`).
    pub fn remove(&mut self, key: &(impl AsRef<[u8]> + ?Sized)) -> Option<Value> {
        let i = self.get_index_of(key)?;
        let (_, value) = self.entries.remove(i);
        // Every later position moved: index afresh (removal is rare, and linear anyway).
        self.index = (self.entries.len() > SCANNED_UP_TO).then(|| Index::of(&self.entries));
        Some(value)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&PyStr, &Value)> + ExactSizeIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Takes every entry out, in order, leaving the dict empty.
    pub fn take_entries(&mut self) -> std::vec::IntoIter<(PyStr, Value)> {
        self.index = None;
        std::mem::take(&mut self.entries).into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(d: &Dict) -> Vec<String> {
        d.iter()
            .map(|(k, _)| k.as_str().unwrap().to_string())
            .collect()
    }

    fn int(v: Option<&Value>) -> Option<i64> {
        match v {
            Some(Value::Int(i)) => i.as_i64(),
            _ => None,
        }
    }

    fn small(i: i64) -> Value {
        Value::Int(super::super::Int::Small(i))
    }

    /// Below, at and past the size where the index is built, a dict behaves as Python's:
    /// insertion order, a set key keeping its place, removal keeping the others' order.
    #[test]
    fn behaves_as_a_python_dict_at_every_size() {
        for n in [0, 1, SCANNED_UP_TO, SCANNED_UP_TO + 1, 100] {
            let mut d = Dict::with_capacity(n);
            for i in 0..n {
                assert!(
                    d.insert(PyStr::from(format!("k{i}")), small(i as i64))
                        .is_none()
                );
            }
            assert_eq!(d.len(), n);
            let expected: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
            assert_eq!(keys(&d), expected);
            for i in 0..n {
                assert_eq!(int(d.get(&format!("k{i}"))), Some(i as i64));
                assert_eq!(d.get_index_of(&format!("k{i}")), Some(i));
            }
            assert!(d.get("absent").is_none());
            if n == 0 {
                continue;
            }
            // Setting an existing key keeps its place and returns the old value.
            let old = d.insert(PyStr::from("k0"), small(-1));
            assert_eq!(int(old.as_ref()), Some(0));
            assert_eq!(keys(&d), expected);
            assert_eq!(int(d.get("k0")), Some(-1));
            // Removing the first shifts the rest, still found by key.
            assert_eq!(int(d.remove("k0").as_ref()), Some(-1));
            assert_eq!(keys(&d), expected[1..].to_vec());
            for i in 1..n {
                assert_eq!(d.get_index_of(&format!("k{i}")), Some(i - 1));
            }
            assert!(d.remove("k0").is_none());
            // Added after the removal: last, and found.
            d.insert(PyStr::from("new"), small(7));
            assert_eq!(d.get_index_of("new"), Some(n - 1));
            let taken: Vec<(PyStr, Value)> = d.take_entries().collect();
            assert_eq!(taken.len(), n);
            assert!(d.is_empty() && d.get("new").is_none());
        }
    }

    /// What makes a file of many small tables fit in memory: a `Value` is 40 bytes, and a
    /// one-key dict whose key is short is one block of 72 (the key sits in the `PyStr`).
    #[test]
    fn values_and_entries_stay_small() {
        assert!(std::mem::size_of::<Value>() <= 40);
        assert!(std::mem::size_of::<(PyStr, Value)>() <= 72);
    }
}
