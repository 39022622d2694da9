//! The call-flow language of `ivr`: the YAML schema operators write, the checker behind
//! `ivr check`, schedules, intent matching, and the sans-IO interpreter that runs a call.

pub mod diagnostic;
pub mod flow;
pub mod graph;
pub mod interpreter;
pub mod load;
pub mod schedule;
pub mod schema;
pub mod template;
pub mod text;
mod unclosed;
pub mod validate;

pub use diagnostic::{Diagnostic, Pos, Severity};
pub use flow::Flow;
