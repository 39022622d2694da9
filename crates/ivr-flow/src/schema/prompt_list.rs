//! A list of prompt ids, written either as one id (`prompt: welcome`) or a list (`[a, b]`).

use super::spanned::At;
use crate::diagnostic::Pos;
use serde::{Deserialize, Deserializer};
use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromptList(pub Vec<At<String>>);

impl PromptList {
    pub fn iter(&self) -> impl Iterator<Item = &At<String>> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for PromptList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The single-id form has no span of its own inside the visitor, so take the span of
        // the whole value and give it to that id.
        let whole = At::<OneOrMany>::deserialize(d)?;
        let ids = match whole.value {
            OneOrMany::One(id) => vec![At::new(id, whole.pos)],
            OneOrMany::Many(ids) => ids,
        };
        Ok(PromptList(ids))
    }
}

enum OneOrMany {
    One(String),
    Many(Vec<At<String>>),
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a prompt id or a list of prompt ids")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMany, A::Error> {
                let mut ids = Vec::new();
                while let Some(id) = seq.next_element::<At<String>>()? {
                    ids.push(id);
                }
                Ok(OneOrMany::Many(ids))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl From<Vec<&str>> for PromptList {
    fn from(ids: Vec<&str>) -> Self {
        PromptList(
            ids.into_iter()
                .map(|id| At::new(id.to_string(), Pos::FILE))
                .collect(),
        )
    }
}
