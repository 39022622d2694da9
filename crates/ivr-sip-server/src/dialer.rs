//! Calls the engine places (to an agent's phone), from the same SIP endpoint that answers
//! callers: an INVITE with the engine's offer, the final answer (or a CANCEL when the phone
//! rings too long), then the same `CallSignal`s a caller's dialog gives.

use super::{CallSignal, Routes};
use rsipstack::dialog::DialogId;
use rsipstack::dialog::dialog::DialogStateSender;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::{InviteAsyncResult, InviteOption};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, StatusCodeKind, Uri};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Places calls; cheap to clone.
#[derive(Clone)]
pub struct Dialer {
    pub(super) dialogs: Arc<DialogLayer>,
    pub(super) state_sender: DialogStateSender,
    pub(super) routes: Routes,
    pub(super) listen: SocketAddr,
}

/// A call the engine placed.
pub struct OutgoingCall {
    dialog: InviteDialog,
    /// The dialog's route while it rings (no To tag yet) and once answered (the phone's tag):
    /// both leave the routing table when the call is dropped, so an agent's calls do not
    /// leave entries behind.
    early: DialogId,
    confirmed: Option<DialogId>,
    result: Option<rsipstack::platform::JoinHandle<InviteAsyncResult>>,
    sender: mpsc::UnboundedSender<CallSignal>,
    routes: Routes,
    pub signals: mpsc::UnboundedReceiver<CallSignal>,
}

impl Dialer {
    /// INVITEs `target` (a SIP URI) as `from_user` with the SDP `offer`.
    pub fn call(
        &self,
        target: &str,
        from_user: &str,
        offer: String,
    ) -> Result<OutgoingCall, String> {
        let uri = |text: &str| Uri::try_from(text).map_err(|e| format!("`{text}`: {e}"));
        let host = self.listen;
        let option = InviteOption {
            caller: uri(&format!("sip:{from_user}@{host}"))?,
            callee: uri(target)?,
            contact: uri(&format!("sip:ivr@{host}"))?,
            content_type: Some("application/sdp".to_string()),
            offer: Some(offer.into_bytes()),
            ..Default::default()
        };
        let (dialog, result) = self
            .dialogs
            .do_invite_async(option, self.state_sender.clone())
            .map_err(|e| format!("INVITE to {target}: {e}"))?;
        let (sender, signals) = mpsc::unbounded_channel();
        if let Ok(mut routes) = self.routes.lock() {
            routes.insert(dialog.id(), (sender.clone(), None));
        }
        Ok(OutgoingCall {
            early: dialog.id(),
            confirmed: None,
            dialog,
            result: Some(result),
            sender,
            routes: Arc::clone(&self.routes),
            signals,
        })
    }
}

impl OutgoingCall {
    /// Waits for the final response: the answer's SDP on 2xx, else the status or what went
    /// wrong. Cancel-safe: dropped while waiting (a ring timeout), it can be awaited again.
    pub async fn answered(&mut self) -> Result<Vec<u8>, String> {
        let Some(result) = self.result.as_mut() else {
            return Err("already answered".to_string());
        };
        let outcome = result.await;
        self.result = None;
        match outcome {
            Ok(Ok((id, Some(response))))
                if response.status_code.kind() == StatusCodeKind::Successful =>
            {
                // The confirmed dialog has the phone's tag: route its requests (BYE) here.
                if let Ok(mut routes) = self.routes.lock() {
                    routes.insert(id.clone(), (self.sender.clone(), None));
                }
                self.confirmed = Some(id);
                Ok(response.body)
            }
            Ok(Ok((_, Some(response)))) => Err(format!("{}", u16::from(response.status_code))),
            Ok(Ok((_, None))) => Err("no answer".to_string()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// CANCEL while it rings, BYE once answered.
    pub async fn hang_up(&self) {
        if let Err(e) = self.dialog.hangup().await {
            tracing::debug!("ending an outgoing call: {e}");
        }
    }

    /// Passes the caller's keys on by SIP INFO from a task of its own, one INFO at a time and in order:
    /// waiting for a phone's answer to an INFO (up to 32 s when it is lost) must not hold up
    /// whoever relays the audio. The task ends when the returned sender is dropped.
    pub fn key_relay(&self) -> mpsc::UnboundedSender<char> {
        let (keys, mut pressed) = mpsc::unbounded_channel::<char>();
        let dialog = self.dialog.clone();
        tokio::spawn(async move {
            while let Some(key) = pressed.recv().await {
                send_key(&dialog, key).await;
            }
        });
        keys
    }
}

/// A key the caller pressed, as SIP INFO (`application/dtmf-relay`).
async fn send_key(dialog: &InviteDialog, key: char) {
    let headers = vec![Header::ContentType("application/dtmf-relay".into())];
    let body = format!("Signal={key}\r\nDuration=160\r\n").into_bytes();
    if let Err(e) = dialog.info(Some(headers), Some(body)).await {
        tracing::debug!("passing a key on: {e}");
    }
}

impl Drop for OutgoingCall {
    fn drop(&mut self) {
        if let Ok(mut routes) = self.routes.lock() {
            routes.remove(&self.early);
            if let Some(id) = &self.confirmed {
                routes.remove(id);
            }
        }
    }
}
