//! A fixture manifest: the YAML beside a caller recording that says how to place the call and
//! what must happen on it.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The flow, relative to the manifest.
    pub flow: PathBuf,
    /// The recording, relative to the manifest; default: the manifest's name with `.wav`.
    #[serde(default)]
    pub wav: Option<PathBuf>,
    /// Call time, RFC 3339.
    pub at: String,
    #[serde(default)]
    pub caller: Option<String>,
    /// Language the call starts in.
    #[serde(default)]
    pub lang: Option<String>,
    /// Keypad keys at seconds from answer: "2@9.5,#@12".
    #[serde(default)]
    pub dtmf: Option<String>,
    /// What the caller says, turn by turn, for reading and for `ivr chat` cross-checks.
    #[serde(default)]
    pub script: Vec<String>,
    pub expect: Expectation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// Every intent event of the call, in order.
    #[serde(default)]
    pub intents: Vec<String>,
    /// The call's language at the end.
    pub language: String,
    #[serde(default)]
    pub slots: BTreeMap<String, String>,
    #[serde(rename = "final")]
    pub final_action: FinalAction,
}

/// How the call must end.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinalAction {
    Transfer(String),
    Callback(String),
    Notify(String),
    Hangup(String),
}

impl std::fmt::Display for FinalAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FinalAction::Transfer(q) => write!(f, "transfer {q}"),
            FinalAction::Callback(q) => write!(f, "callback {q}"),
            FinalAction::Notify(c) => write!(f, "notify {c}"),
            FinalAction::Hangup(r) => write!(f, "hangup {r}"),
        }
    }
}

impl Manifest {
    pub fn read(path: &Path) -> Result<Manifest, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_saphyr::from_str(&text).map_err(|e| {
            let first = e.to_string();
            let first = first.lines().next().unwrap_or_default().to_string();
            format!("{}: {first}", path.display())
        })
    }

    pub fn wav_path(&self, manifest: &Path) -> PathBuf {
        let dir = manifest.parent().unwrap_or(Path::new("."));
        match &self.wav {
            Some(wav) => dir.join(wav),
            None => manifest.with_extension("wav"),
        }
    }

    pub fn flow_path(&self, manifest: &Path) -> PathBuf {
        manifest.parent().unwrap_or(Path::new(".")).join(&self.flow)
    }
}

/// Parses "1@6.0,#@7.8" into (milliseconds from answer, key), sorted by time.
pub fn parse_dtmf_schedule(spec: &str) -> Result<Vec<(u64, char)>, String> {
    let mut keys = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (key, at) = item
            .split_once('@')
            .ok_or_else(|| format!("`{item}`: write KEY@SECONDS, e.g. 1@6.0"))?;
        let mut chars = key.trim().chars();
        let key = match (chars.next(), chars.next()) {
            (Some(k), None) if k.is_ascii_digit() || k == '*' || k == '#' => k,
            _ => return Err(format!("`{item}`: the key must be one of 0-9, * or #")),
        };
        let seconds: f64 = at
            .trim()
            .parse()
            .map_err(|_| format!("`{item}`: `{at}` is not a number of seconds"))?;
        if !(0.0..=3600.0).contains(&seconds) {
            return Err(format!("`{item}`: seconds must be between 0 and 3600"));
        }
        keys.push(((seconds * 1000.0).round() as u64, key));
    }
    keys.sort_by_key(|(ms, _)| *ms);
    Ok(keys)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dtmf_schedules() {
        assert_eq!(
            parse_dtmf_schedule("#@7.8, 1@6.0").unwrap(),
            vec![(6000, '1'), (7800, '#')]
        );
        assert!(parse_dtmf_schedule("12@1").is_err());
        assert!(parse_dtmf_schedule("1@x").is_err());
        assert!(parse_dtmf_schedule("1").is_err());
        assert!(parse_dtmf_schedule("1@-2").is_err());
        assert_eq!(parse_dtmf_schedule("").unwrap(), vec![]);
    }

    #[test]
    fn manifests() {
        let m: Manifest = serde_saphyr::from_str(
            "flow: ../f.yaml\nat: \"2026-12-01T10:00:00-05:00\"\ncaller: \"\"\nexpect:\n  intents: [agent]\n  language: es-US\n  final: { transfer: agents-es }\n",
        )
        .unwrap();
        assert_eq!(
            m.expect.final_action,
            FinalAction::Transfer("agents-es".into())
        );
        assert_eq!(
            m.wav_path(Path::new("fx/a.yaml")),
            PathBuf::from("fx/a.wav")
        );
        assert!(
            serde_saphyr::from_str::<Manifest>(
                "flow: x\nat: y\nexpect: { language: en-US, final: { dance: x } }\n"
            )
            .is_err()
        );
    }
}
