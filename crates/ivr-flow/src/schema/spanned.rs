//! Source positions kept alongside parsed values, so checks can point at the right place.

use crate::diagnostic::Pos;
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A value and where it was written in the flow file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At<T> {
    pub value: T,
    pub pos: Pos,
}

impl<T> At<T> {
    pub fn new(value: T, pos: Pos) -> Self {
        At { value, pos }
    }
}

impl<T> std::ops::Deref for At<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for At<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = serde_saphyr::Spanned::<T>::deserialize(d)?;
        Ok(At {
            pos: Pos::of(&spanned.referenced),
            value: spanned.value,
        })
    }
}

/// A YAML mapping whose keys are ids, kept in file order with the position of each key.
/// Duplicate keys are already rejected by the parser.
#[derive(Debug, Clone)]
pub struct IdMap<V> {
    entries: Vec<(At<String>, V)>,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap {
            entries: Vec::new(),
        }
    }
}

impl<V> IdMap<V> {
    pub fn get(&self, id: &str) -> Option<&V> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == id)
            .map(|(_, v)| v)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&At<String>, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.value.as_str())
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn first_key(&self) -> Option<&At<String>> {
        self.entries.first().map(|(k, _)| k)
    }

    /// Position of the key `id`, for messages about that entry.
    pub fn key_pos(&self, id: &str) -> Option<Pos> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == id)
            .map(|(k, _)| k.pos)
    }
}

impl<V> FromIterator<(At<String>, V)> for IdMap<V> {
    fn from_iter<I: IntoIterator<Item = (At<String>, V)>>(iter: I) -> Self {
        IdMap {
            entries: iter.into_iter().collect(),
        }
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for IdMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<V> {
            type Value = IdMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of ids")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<IdMap<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<At<String>>()? {
                    let value = map.next_value::<V>()?;
                    entries.push((key, value));
                }
                Ok(IdMap { entries })
            }
        }
        d.deserialize_map(Visitor(std::marker::PhantomData))
    }
}
