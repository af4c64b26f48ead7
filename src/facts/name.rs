//! Interned names. A workspace writes the same few thousand identifiers
//! (`crate`, `Result`, `sqlx`, `query`, `new`) millions of times; as owned
//! `String`s each costs an allocation and 40 bytes or more, and the facts
//! of a 1000-service workspace were mostly that. A [`Name`] is a reference
//! into a process-wide table that holds each distinct text once, so it is
//! `Copy`, costs no allocation after the first, and reads as a `&str`.
//!
//! The table only grows (its texts live as long as the process): fine for
//! a command-line run, whose names are bounded by the source it reads.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Deref;
use std::sync::{Mutex, OnceLock};

/// An interned identifier, path segment or short name. Compares, hashes
/// and orders as its text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Name(&'static str);

/// Shards of the table, so that parallel extraction rarely waits on a lock.
const SHARDS: usize = 64;

type Set = HashSet<&'static str, std::hash::BuildHasherDefault<WordHasher>>;

fn table() -> &'static [Mutex<Set>; SHARDS] {
    static TABLE: OnceLock<[Mutex<Set>; SHARDS]> = OnceLock::new();
    TABLE.get_or_init(|| std::array::from_fn(|_| Mutex::new(Set::default())))
}

/// A word-at-a-time multiplicative hash (the scheme of rustc's FxHasher):
/// names are short, and a table that lives for one run has nothing to fear
/// from chosen collisions, so SipHash's strength buys nothing here.
#[derive(Default)]
pub struct WordHasher(u64);

/// A map keyed by names (or small keys holding them) with [`WordHasher`].
pub type NameMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<WordHasher>>;

/// A set of names (or small keys holding them) with [`WordHasher`].
pub type NameSet<K> = HashSet<K, std::hash::BuildHasherDefault<WordHasher>>;

impl std::hash::Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(SEED);
        }
        for &byte in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(SEED);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl Name {
    /// The name with this text.
    pub fn new(text: &str) -> Name {
        if text.is_empty() {
            return Name("");
        }
        let bytes = text.as_bytes();
        // A cheap spread over the shards; the set hashes properly.
        let shard = (bytes.len()
            ^ usize::from(bytes[0]).wrapping_mul(31)
            ^ usize::from(bytes[bytes.len() - 1]).wrapping_mul(131))
            % SHARDS;
        let mut set = table()[shard]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(known) = set.get(text) {
            return Name(known);
        }
        let text: &'static str = Box::leak(Box::from(text));
        set.insert(text);
        Name(text)
    }

    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name::new(text)
    }
}

impl From<&String> for Name {
    fn from(text: &String) -> Name {
        Name::new(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name::new(&text)
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.0.to_string()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.0 == other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.0
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.0
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self == other.0
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Name {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Name, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Name;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a name")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Name, E> {
                Ok(Name::new(text))
            }
        }
        // Borrowed from the cache's bytes where the format allows: no
        // allocation for a name the table already holds.
        deserializer.deserialize_str(Visitor)
    }
}

/// Names for a path's segments.
pub fn names<S: AsRef<str>>(segments: &[S]) -> Vec<Name> {
    segments.iter().map(|s| Name::new(s.as_ref())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_are_one_name_and_names_read_as_their_text() {
        let a = Name::new("sqlx");
        let b = Name::from(String::from("sqlx"));
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()), "interned once");
        assert_eq!(a, "sqlx");
        assert_eq!("sqlx", a);
        assert_eq!(a.len(), 4);
        assert_eq!(format!("{a} {a:?}"), "sqlx \"sqlx\"");
        assert!(Name::new("axum") < a, "orders as its text");
        let mut set = HashSet::new();
        set.insert(a);
        assert!(set.contains("sqlx"), "looked up by its text");
        assert_eq!(Name::new(""), Name::default());
    }

    #[test]
    fn a_name_survives_the_cache_encoding() {
        let names = names(&["crate", "billing", "charge"]);
        let bytes = postcard::to_allocvec(&names).expect("encode");
        let back: Vec<Name> = postcard::from_bytes(&bytes).expect("decode");
        assert_eq!(back, names);
    }

    #[test]
    fn names_are_interned_from_many_threads_at_once() {
        let found: Vec<Name> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        (0..500)
                            .map(|i| Name::new(&format!("n{i}")))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("thread"))
                .collect()
        });
        for (i, name) in found.iter().enumerate() {
            assert!(std::ptr::eq(name.as_str(), found[i % 500].as_str()));
        }
    }
}
