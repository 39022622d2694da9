//! Running a text-to-speech program: no shell, a bounded wait, bounded output.

use super::TtsError;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Largest WAV output read: about 20 minutes of 22 kHz audio, far past any prompt.
const MAX_OUTPUT_BYTES: u64 = 64 * 1024 * 1024;
/// Enough of stderr to explain a failure.
const MAX_STDERR_BYTES: u64 = 4096;
/// How often a running synthesis is checked for completion.
const POLL: Duration = Duration::from_millis(5);

/// Runs `program` with `args`; its stdout, or an error naming what to fix.
pub(super) fn run(program: &Path, args: &[&str], timeout: Duration) -> Result<Vec<u8>, TtsError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => TtsError::NotInstalled {
                program: program.to_path_buf(),
            },
            _ => TtsError::Spawn {
                program: program.to_path_buf(),
                detail: e.to_string(),
            },
        })?;
    // Both pipes are drained on their own threads: a child blocked on a full pipe would
    // otherwise never exit and every synthesis would end in the timeout.
    let stdout = child.stdout.take().map(|s| drain(s, MAX_OUTPUT_BYTES));
    let stderr = child.stderr.take().map(|s| drain(s, MAX_STDERR_BYTES));
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
            Ok(None) => {
                stop(&mut child);
                return Err(TtsError::TimedOut {
                    program: program.to_path_buf(),
                    after: timeout,
                });
            }
            Err(e) => {
                stop(&mut child);
                return Err(TtsError::Spawn {
                    program: program.to_path_buf(),
                    detail: format!("waiting for it failed: {e}"),
                });
            }
        }
    };
    let out = stdout.map(join).unwrap_or_default();
    let err = stderr.map(join).unwrap_or_default();
    if !status.success() {
        return Err(TtsError::Failed {
            program: program.to_path_buf(),
            status: status.to_string(),
            stderr: String::from_utf8_lossy(&err).trim().to_string(),
        });
    }
    Ok(out)
}

fn stop(child: &mut std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn drain(pipe: impl Read + Send + 'static, cap: u64) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        // A read error leaves what arrived; the exit status tells whether it is complete.
        let _ = pipe.take(cap).read_to_end(&mut buf);
        buf
    })
}

fn join(handle: std::thread::JoinHandle<Vec<u8>>) -> Vec<u8> {
    handle.join().unwrap_or_default()
}
