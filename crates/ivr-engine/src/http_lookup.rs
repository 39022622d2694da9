//! Runs a flow's `lookup` over HTTP, for real, for a live call, `ivr replay` and `ivr chat`
//! alike: the simulator talks to the same service a live call would.

use ivr_flow::schema::HttpMethod;
use std::time::Duration;

pub struct HttpLookup {
    client: Result<reqwest::blocking::Client, String>,
}

impl Default for HttpLookup {
    fn default() -> Self {
        HttpLookup::new()
    }
}

impl HttpLookup {
    pub fn new() -> Self {
        // reqwest is built without a bundled crypto provider; ring is the one we compile.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!("ivr/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot start the HTTP client: {e}"));
        HttpLookup { client }
    }

    /// The JSON body of a 2xx answer, or why there is none.
    pub fn fetch(
        &self,
        method: HttpMethod,
        url: &str,
        body: Option<&serde_json::Value>,
        timeout_ms: u64,
    ) -> Result<serde_json::Value, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let request = match method {
            HttpMethod::Get => client.get(url),
            HttpMethod::Post => {
                let request = client.post(url);
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            }
        };
        let response = request
            .timeout(Duration::from_millis(timeout_ms))
            .header("accept", "application/json")
            .send()
            .map_err(|e| format!("{}: {}", crate::redact::url(url), e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{}: HTTP {status}", crate::redact::url(url)));
        }
        response.json::<serde_json::Value>().map_err(|e| {
            format!(
                "{}: response is not JSON: {}",
                crate::redact::url(url),
                e.without_url()
            )
        })
    }
}
