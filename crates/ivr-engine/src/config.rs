//! The engine configuration file (YAML). Everything has a default, so the engine runs with
//! no file at all.

pub mod escalation;
pub mod messaging;
pub mod serving;

use crate::speech::SpeechConfig;
use crate::store::Database;
use escalation::EscalationSettings;
use indexmap::IndexMap;
use messaging::{EmailSettings, MessageLimits, SmsSettings};
use serde::Deserialize;
use serving::{AdminSettings, AgentAccount, QueueTarget, RtpSettings, SipSettings};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// Which model hears which language; default: Whisper models under `.models/`.
    pub speech: Option<SpeechConfig>,
    pub sip: SipSettings,
    pub rtp: RtpSettings,
    pub admin: AdminSettings,
    /// The flow for called numbers not in `numbers`.
    pub flow: PathBuf,
    /// Called number (the Request-URI user) -> the flow that answers it.
    pub numbers: IndexMap<String, PathBuf>,
    /// Queue name -> an outside destination a transfer to it goes to (REFER). Queues not
    /// listed are served by `agents`. Absent, and with no agents, the shipped flow's queues
    /// go to 127.0.0.1:5080.
    pub queues: Option<IndexMap<String, QueueTarget>>,
    /// Agents' phone accounts, by name (the SIP user they register as).
    pub agents: IndexMap<String, AgentAccount>,
    /// The digest realm agents authenticate in.
    pub realm: String,
    /// How long an agent's phone may ring before the next agent is tried.
    pub ring_timeout_s: u64,
    /// After a call, how long before an agent gets the next one.
    pub wrap_up_s: u64,
    /// How long a caller waits in a queue before the flow's fallback (a callback offer).
    pub queue_max_wait_s: u64,
    /// How often a waiting caller hears their place in line and the estimated wait.
    pub announce_every_s: u64,
    /// Call records are appended to `calls.jsonl` here.
    pub data_dir: PathBuf,
    /// Callbacks and the message outbox: an SQLite file (default: `data_dir/ivr.db`), or a
    /// `postgres://` URL that several engines share.
    pub database: Option<String>,
    /// The name of an environment variable holding `database` instead (a URL with a password).
    pub database_env: Option<String>,
    /// This engine's name among the engines sharing a database (required with PostgreSQL):
    /// rows it writes and messages it is sending carry it.
    pub node_id: Option<String>,
    /// Where text messages go; without it a flow's `notify` by sms fails (its fallback).
    pub sms: Option<SmsSettings>,
    /// Where emails go; without it a flow's `notify` by email fails.
    pub email: Option<EmailSettings>,
    /// Caps on messages and callbacks callers can ask for.
    pub message_limits: MessageLimits,
    /// How a request sent to an officer (a flow's `escalate`, or an agent's) is estimated.
    pub escalation: EscalationSettings,
    /// Recorded prompt audio.
    pub prompts: PathBuf,
    /// What callers waiting for an agent hear between announcements (looped, ducked under
    /// them).
    pub hold_music: HoldMusicSettings,
    /// The text-to-speech program per language (`auto`, `pico`, `espeak-ng`); languages not
    /// listed are `auto`: Pico where installed, else espeak-ng.
    pub tts: IndexMap<String, crate::tts::TtsChoice>,
    /// On SIGTERM, how long calls in progress may go on.
    pub drain_s: u64,
    /// Log what callers say and key, and full numbers and addresses (a test system's
    /// choice); by default logs carry hints only and the call record keeps the full values.
    pub log_personal_data: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            speech: None,
            sip: SipSettings::default(),
            rtp: RtpSettings::default(),
            admin: AdminSettings::default(),
            flow: PathBuf::from("call-flows/contact-center.yaml"),
            numbers: IndexMap::new(),
            queues: None,
            agents: IndexMap::new(),
            realm: "ivr".to_string(),
            ring_timeout_s: 15,
            wrap_up_s: 10,
            queue_max_wait_s: 120,
            announce_every_s: 30,
            data_dir: PathBuf::from("data"),
            database: None,
            database_env: None,
            node_id: None,
            sms: None,
            email: None,
            message_limits: MessageLimits::default(),
            escalation: EscalationSettings::default(),
            prompts: PathBuf::from("prompts"),
            hold_music: HoldMusicSettings::default(),
            tts: IndexMap::new(),
            drain_s: 60,
            log_personal_data: false,
        }
    }
}

/// The shipped flow's queues go to a PBX on this machine's port 5080 until the configuration
/// says where agents are (`make run` prints how to stand one up there).
fn default_queues() -> IndexMap<String, QueueTarget> {
    ["agents-en", "agents-es"]
        .into_iter()
        .map(|queue| {
            let refer_to = format!("sip:{queue}@127.0.0.1:5080");
            (queue.to_string(), QueueTarget { refer_to })
        })
        .collect()
}

impl EngineConfig {
    pub fn read(path: &Path) -> Result<EngineConfig, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the configuration {}: {e}", path.display()))?;
        let config: EngineConfig = serde_saphyr::from_str(&text).map_err(|e| {
            let message = e.to_string();
            let first = message.lines().next().unwrap_or_default();
            format!("{}: {first}", path.display())
        })?;
        config
            .check()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(config)
    }

    /// The flow file for a called number.
    pub fn flow_for(&self, called: Option<&str>) -> &Path {
        called
            .and_then(|n| self.numbers.get(n))
            .unwrap_or(&self.flow)
    }

    /// Every flow file named, each once.
    pub fn flow_files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.flow.clone()];
        for path in self.numbers.values() {
            if !files.contains(path) {
                files.push(path.clone());
            }
        }
        files
    }

    /// Queues whose transfers leave the engine (REFER), with their destinations.
    pub fn external_queues(&self) -> IndexMap<String, QueueTarget> {
        match &self.queues {
            Some(queues) => queues.clone(),
            None if self.agents.is_empty() => default_queues(),
            None => IndexMap::new(),
        }
    }

    /// Where callbacks and messages are kept.
    pub fn database(&self) -> Result<Database, String> {
        let named = messaging::secret(self.database.as_ref(), self.database_env.as_ref())
            .map_err(|e| format!("database: {e}"))?;
        Ok(match named {
            Some(text) => Database::parse(&text),
            None => Database::File(self.data_dir.join("ivr.db")),
        })
    }

    /// This engine's node id: a shared database needs one per engine, so that a restarting
    /// engine takes back only its own unfinished deliveries.
    pub fn node(&self) -> Result<String, String> {
        let shared = matches!(self.database()?, Database::Postgres(_));
        match &self.node_id {
            Some(id) => check_node_id(id).map(|()| id.clone()),
            None if shared => Err("a PostgreSQL database is shared by engines: give this one \
                 a name of its own with node_id in the configuration or --node-id"
                .to_string()),
            None => Ok(crate::store::DEFAULT_NODE.to_string()),
        }
    }

    /// Problems serde cannot see: transfer targets that are not SIP URIs, bad provider
    /// settings, secrets named but not set.
    pub fn check(&self) -> Result<(), String> {
        if let Some(id) = &self.node_id {
            check_node_id(id)?;
        }
        if let Some(sms) = &self.sms {
            sms.check()?;
        }
        for (name, agent) in &self.agents {
            agent.check(name)?;
        }
        if let Some(email) = &self.email {
            email.check()?;
        }
        self.message_limits.check()?;
        self.escalation.check()?;
        for (queue, target) in &self.external_queues() {
            serving::check_sip_uri(&target.refer_to)
                .map_err(|e| format!("queues.{queue}.refer_to: {e}"))?;
        }
        Ok(())
    }

    /// The speech models to load: the file's, else the defaults under `models_dir`.
    pub fn speech_or_default(&self, models_dir: &Path) -> SpeechConfig {
        self.speech
            .clone()
            .unwrap_or_else(|| SpeechConfig::defaults(models_dir))
    }
}

/// Music on hold: a default and per-queue choices (WAV files; any rate, made 8 kHz mono).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HoldMusicSettings {
    /// For queues not listed; null: silence between announcements.
    pub default: Option<PathBuf>,
    /// Queue name -> its own music.
    pub queues: IndexMap<String, PathBuf>,
}

impl Default for HoldMusicSettings {
    fn default() -> Self {
        HoldMusicSettings {
            default: Some(PathBuf::from("prompts/hold/music.wav")),
            queues: IndexMap::new(),
        }
    }
}

fn check_node_id(id: &str) -> Result<(), String> {
    let fits = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if fits {
        Ok(())
    } else {
        Err(format!(
            "node_id {id:?}: use 1 to 64 letters, digits, '-', '_' or '.'"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EngineConfig, String> {
        let config: EngineConfig = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
        config.check()?;
        Ok(config)
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let config = parse("{}").unwrap_or_default();
        assert_eq!(config.sip.listen.to_string(), "127.0.0.1:5060");
        assert_eq!(
            config.admin.listen.map(|a| a.to_string()),
            Some("127.0.0.1:9090".into())
        );
        assert_eq!(config.rtp.ports.first, 20000);
    }

    #[test]
    fn each_language_can_name_its_voice() {
        let config = parse("tts: { en-US: pico, es-US: espeak-ng }\n").unwrap_or_default();
        assert_eq!(config.tts.get("en-US"), Some(&crate::tts::TtsChoice::Pico));
        assert_eq!(
            config.tts.get("es-US"),
            Some(&crate::tts::TtsChoice::EspeakNg)
        );
        assert!(parse("{}").unwrap_or_default().tts.is_empty());
        let err = parse("tts: { en-US: festival }\n")
            .err()
            .unwrap_or_default();
        assert!(err.contains("festival"), "{err}");
    }

    #[test]
    fn numbers_pick_their_flow() {
        let config = parse(
            "numbers:\n  \"8005550100\": call-flows/other.yaml\n\
             queues:\n  agents-en: { refer_to: \"sip:agents@127.0.0.1:5080\" }\n\
             rtp: { ports: 30000-30099 }\nadmin: { listen: null }\n",
        );
        let config = config.map_err(|e| e.to_string());
        assert!(config.is_ok(), "{config:?}");
        let config = config.unwrap_or_default();
        assert_eq!(
            config.flow_for(Some("8005550100")),
            Path::new("call-flows/other.yaml")
        );
        assert_eq!(config.flow_for(Some("1")), config.flow.as_path());
        assert_eq!(config.flow_for(None), config.flow.as_path());
        assert_eq!(config.flow_files().len(), 2);
        assert_eq!(config.admin.listen, None);
        assert_eq!(config.rtp.ports.last, 30099);
    }

    #[test]
    fn bad_values_are_refused_with_their_place() {
        for (text, says) in [
            (
                "queues: { a: { refer_to: \"tel:+1800\" } }",
                "queues.a.refer_to",
            ),
            ("rtp: { ports: 9-8 }", "port range"),
            ("sip: { listen: nowhere }", "listen"),
            ("sip: { lisen: 127.0.0.1:5060 }", "lisen"),
        ] {
            let error = parse(text).err().unwrap_or_default();
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
