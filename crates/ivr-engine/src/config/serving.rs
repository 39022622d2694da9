//! What `ivr serve` needs beyond speech: where SIP, RTP and the admin page listen, which flow
//! answers which number (see `EngineConfig`), where transfers to each queue go, and where call records are kept.
//! Every field has a default, so the engine answers calls with no file at all.

use ivr_sip::admission::AdmissionLimits;
use ivr_sip::trunks::{Network, Trunks};
use serde::{Deserialize, Deserializer};
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SipSettings {
    /// Where SIP listens, UDP and TCP.
    pub listen: SocketAddr,
    /// The address SDP answers give callers for RTP; needed when `listen` is 0.0.0.0.
    pub media_ip: Option<IpAddr>,
    /// Calls at once; more get 503 with Retry-After.
    pub max_calls: usize,
    /// How long the caller hears ringing (180) before the engine answers.
    pub answer_after_ms: u64,
    /// Accept agents' digest answers without `qop` (RFC 2069 phones): they carry no nonce
    /// count, so one seen on the path can be sent again while its nonce lasts (5 minutes).
    pub allow_digest_without_qop: bool,
    /// Carriers whose caller ID is believed (P-Asserted-Identity, else From), as addresses or
    /// blocks (`203.0.113.0/24`); calls from them skip the per-source limits. Default: this
    /// machine (loopback) only. From anywhere else a caller's number is unverified.
    #[serde(deserialize_with = "networks")]
    pub trunks: Vec<Network>,
    /// Limits on calls from one source address that is not a trunk.
    pub per_source: PerSourceLimits,
    /// In a cluster (a shared PostgreSQL database): the load balancer (Kamailio) agents'
    /// phones register with, as `host:port`; the engine holding a caller rings an agent
    /// through it (`sip:NAME@host:port`), so no call moves between engines.
    pub load_balancer: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerSourceLimits {
    /// Calls at once.
    pub max_calls: usize,
    /// New calls per second, after a burst of `burst`.
    pub calls_per_s: f64,
    pub burst: u32,
}

impl Default for PerSourceLimits {
    fn default() -> Self {
        PerSourceLimits {
            max_calls: 4,
            calls_per_s: 1.0,
            burst: 4,
        }
    }
}

fn networks<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Network>, D::Error> {
    Vec::<String>::deserialize(deserializer)?
        .iter()
        .map(|n| n.parse().map_err(serde::de::Error::custom))
        .collect()
}

impl SipSettings {
    pub fn trunks(&self) -> Trunks {
        Trunks::new(self.trunks.clone())
    }

    pub fn admission_limits(&self) -> AdmissionLimits {
        AdmissionLimits {
            burst: self.per_source.burst,
            per_second: self.per_source.calls_per_s,
            concurrent: self.per_source.max_calls,
        }
    }
}

impl Default for SipSettings {
    fn default() -> Self {
        SipSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 5060)),
            media_ip: None,
            max_calls: 20,
            answer_after_ms: 0,
            allow_digest_without_qop: false,
            trunks: loopback(),
            per_source: PerSourceLimits::default(),
            load_balancer: None,
        }
    }
}

fn loopback() -> Vec<Network> {
    ["127.0.0.0/8", "::1"]
        .iter()
        .filter_map(|n| n.parse().ok())
        .collect()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RtpSettings {
    /// The UDP ports calls' RTP may use, as `FIRST-LAST` (one even port per call).
    pub ports: PortRange,
    /// Hang up when the caller sends no RTP for this long.
    pub timeout_s: u64,
    /// Hang up when a caller has sent no RTP at all this long after the answer (a call that
    /// never sends holds a call slot for nothing). Not for trunks spoken to first.
    pub first_packet_timeout_s: u64,
    /// Calls from trunks get prompts before their first packet, and the whole `timeout_s`
    /// for it (carriers' media gateways that send nothing until the caller speaks). Others
    /// never do: an SDP address is only the sender's word, and audio streamed to it could be
    /// aimed at a third party.
    pub speak_first_to_trunks: bool,
}

impl Default for RtpSettings {
    fn default() -> Self {
        RtpSettings {
            ports: PortRange {
                first: 20000,
                last: 29999,
            },
            timeout_s: 30,
            first_packet_timeout_s: 5,
            speak_first_to_trunks: true,
        }
    }
}

/// An inclusive range of UDP ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl std::str::FromStr for PortRange {
    type Err = String;

    fn from_str(text: &str) -> Result<PortRange, String> {
        let bad = || format!("`{text}` is not a port range like 20000-29999");
        let (first, last) = text.split_once('-').ok_or_else(bad)?;
        let first: u16 = first.trim().parse().map_err(|_| bad())?;
        let last: u16 = last.trim().parse().map_err(|_| bad())?;
        if first < 1024 || last <= first {
            return Err(format!(
                "port range `{text}`: needs two ports or more, from 1024 up, the first lower"
            ));
        }
        Ok(PortRange { first, last })
    }
}

impl<'de> Deserialize<'de> for PortRange {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSettings {
    /// Where `/healthz`, `/metrics` and `/calls` are served; `null` turns them off.
    pub listen: Option<SocketAddr>,
    /// The bearer token for everything but `/healthz` and `/metrics` (the environment
    /// variable `IVR_ADMIN_TOKEN` overrides it). Required when `listen` is not a loopback
    /// address.
    pub token: Option<String>,
    /// Connections open at once; more are closed at once.
    pub max_connections: usize,
    /// A connection's whole life: its request, read in full, and the answer.
    pub request_timeout_s: u64,
}

impl Default for AdminSettings {
    fn default() -> Self {
        AdminSettings {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 9090))),
            token: None,
            max_connections: 32,
            request_timeout_s: 10,
        }
    }
}

/// Where a flow's transfer to a queue goes, until agents sign in to the engine itself.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueTarget {
    /// The SIP URI the caller's phone is asked to call (REFER).
    pub refer_to: String,
}

/// An agent: a phone that REGISTERs as `sip:NAME@engine` with digest authentication (`ha1`),
/// or one always reachable at a fixed SIP URI (`uri`: a desk phone, a PBX extension).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentAccount {
    /// MD5(name:realm:password) in hex, as digest authentication needs it; the password
    /// itself is never stored. Make it with `printf '%s' 'NAME:REALM:PASSWORD' | md5sum`.
    #[serde(default)]
    pub ha1: Option<String>,
    /// A fixed address instead of registration.
    #[serde(default)]
    pub uri: Option<String>,
    /// The languages the agent takes calls in (`en-US`, `es-US`, or just `es`).
    pub languages: Vec<String>,
}

impl AgentAccount {
    pub fn check(&self, name: &str) -> Result<(), String> {
        match (&self.ha1, &self.uri) {
            (Some(ha1), None) => {
                let hex = ha1.len() == 32 && ha1.chars().all(|c| c.is_ascii_hexdigit());
                if !hex {
                    return Err(format!(
                        "agents.{name}.ha1 must be 32 hex digits (MD5 of name:realm:password)"
                    ));
                }
            }
            (None, Some(uri)) => {
                check_sip_uri(uri).map_err(|e| format!("agents.{name}.uri: {e}"))?;
            }
            _ => {
                return Err(format!(
                    "agents.{name}: give `ha1` (it registers) or `uri` (a fixed address), one of them"
                ));
            }
        }
        if self.languages.is_empty() {
            return Err(format!("agents.{name}.languages is empty"));
        }
        Ok(())
    }
}

/// Checks a transfer target: a `sip:` or `sips:` URI with a host.
pub fn check_sip_uri(uri: &str) -> Result<(), String> {
    let bad = || format!("`{uri}` is not a SIP URI (sip:user@host)");
    let rest = uri
        .strip_prefix("sip:")
        .or_else(|| uri.strip_prefix("sips:"))
        .ok_or_else(bad)?;
    let host = rest.rsplit('@').next().unwrap_or_default();
    if host.is_empty()
        || uri
            .chars()
            .any(|c| c.is_whitespace() || c == '<' || c == '>')
    {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        assert_eq!(
            "20000-20099".parse::<PortRange>(),
            Ok(PortRange {
                first: 20000,
                last: 20099
            })
        );
        for bad in [
            "20000",
            "a-b",
            "30000-20000",
            "80-90",
            "20000-20000",
            "1-70000",
        ] {
            assert!(bad.parse::<PortRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn sip_uris() {
        assert!(check_sip_uri("sip:agents@pbx.example.org").is_ok());
        assert!(check_sip_uri("sips:+18005550100@127.0.0.1:5061;transport=tls").is_ok());
        for bad in [
            "tel:+18005550100",
            "sip:",
            "sip:a@",
            "sip:a b@host",
            "<sip:a@b>",
        ] {
            assert!(check_sip_uri(bad).is_err(), "{bad}");
        }
    }
}
