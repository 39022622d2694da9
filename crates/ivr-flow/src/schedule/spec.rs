//! The YAML shape of one entry under a flow's `schedules:` map.
//!
//! Values stay as strings with their positions so that `compile` can report
//! each mistake at the exact key or value, with a message saying the fix.

use crate::schema::spanned::{At, IdMap};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// Day keys (`mon`, `mon-fri`, ...) to opening hours (`"08:00-20:00"`).
    #[serde(default)]
    pub weekly: IdMap<Vec<At<String>>>,
    /// Dates closed all day, whatever the weekly hours say.
    #[serde(default)]
    pub closed: Vec<ClosedDay>,
    /// Dates whose hours replace the weekly hours (`hours: []` is closed).
    #[serde(default)]
    pub special: Vec<SpecialDay>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosedDay {
    pub date: At<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecialDay {
    pub date: At<String>,
    pub hours: Vec<At<String>>,
    #[serde(default)]
    pub name: Option<String>,
}
