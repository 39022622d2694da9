//! The one-JSON-object-per-line event format shared by `ivr chat --json`, `ivr replay --json`
//! and call records: `type` first, then `t_ms`, then the event's own fields.

use serde::Serialize;

pub fn line(event: &impl Serialize, t_ms: u64) -> String {
    let mut out = serde_json::Map::new();
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(event) {
        let mut fields = fields.into_iter();
        if let Some((k, v)) = fields.next() {
            out.insert(k, v);
        }
        out.insert("t_ms".into(), t_ms.into());
        out.extend(fields);
    }
    serde_json::Value::Object(out).to_string()
}
