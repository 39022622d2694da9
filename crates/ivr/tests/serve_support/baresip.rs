//! baresip (Debian `baresip-core`), a real softphone, as a caller on loopback: its microphone
//! a WAV file, what it hears recorded by its `sndfile` module, driven over `ctrl_tcp`. How
//! each of these was worked out is in `tests/baresip/README.md`.

use super::{free_port, repo};
use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Baresip {
    child: Child,
    ctrl_port: u16,
    pub dir: PathBuf,
    pub record_dir: PathBuf,
}

impl Drop for Baresip {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn baresip_installed() {
    let found = Command::new("baresip")
        .arg("-h")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "baresip is missing: `make test` installs it (scripts/setup-system.sh, Debian baresip-core)"
    );
}

impl Baresip {
    /// A caller whose microphone is `mic` (mono 16-bit 8 kHz; it hangs up when the file ends,
    /// so pad it) and which quits after `quit_after_s`; it dials `dial` at once if given.
    pub fn caller(name: &str, mic: &Path, dial: Option<&str>, quit_after_s: u64) -> Baresip {
        Baresip::start(name, mic, dial, quit_after_s, None)
    }

    /// An agent's phone: registers `account` (a baresip account line) and answers by itself.
    pub fn agent(name: &str, mic: &Path, account: &str, quit_after_s: u64) -> Baresip {
        Baresip::start(name, mic, None, quit_after_s, Some(account))
    }

    fn start(
        name: &str,
        mic: &Path,
        dial: Option<&str>,
        quit_after_s: u64,
        account: Option<&str>,
    ) -> Baresip {
        baresip_installed();
        let dir = std::env::temp_dir().join(format!("ivr-baresip-{}-{name}", std::process::id()));
        let record_dir = dir.join("heard");
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&record_dir).unwrap();
        let sip_port = free_port();
        let ctrl_port = free_port();
        // RTP ports: a block of 20 starting at a free even port (baresip picks inside it).
        let rtp_lo = free_port() & !1;
        let template = repo().join("crates/ivr/tests/baresip/caller");
        for file in ["config", "accounts"] {
            let text = std::fs::read_to_string(template.join(file))
                .unwrap()
                .replace("{sip_port}", &sip_port.to_string())
                .replace("{ctrl_port}", &ctrl_port.to_string())
                .replace("{rtp_lo}", &rtp_lo.to_string())
                .replace("{rtp_hi}", &(rtp_lo + 19).to_string())
                .replace("{mic_wav}", mic.to_str().unwrap())
                .replace("{record_dir}", record_dir.to_str().unwrap());
            std::fs::write(dir.join(file), text).unwrap();
        }
        if let Some(account) = account {
            std::fs::write(dir.join("accounts"), format!("{account}\n")).unwrap();
        }
        let mut command = Command::new("baresip");
        command
            .arg("-f")
            .arg(&dir)
            .args(["-t", &quit_after_s.to_string()]);
        if let Some(uri) = dial {
            command.args(["-e", &format!("/dial {uri}")]);
        }
        let log = std::fs::File::create(dir.join("baresip.log")).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        Baresip {
            child,
            ctrl_port,
            dir,
            record_dir,
        }
    }

    /// One ctrl_tcp command (netstring-framed JSON), e.g. `sndcode 1`, `dial URI`, `hangup`.
    pub fn command(&self, command: &str, params: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut stream = loop {
            match TcpStream::connect(("127.0.0.1", self.ctrl_port)) {
                Ok(s) => break s,
                Err(e) if Instant::now() > deadline => panic!("baresip ctrl_tcp: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        let body = serde_json::json!({"command": command, "params": params, "token": "t"});
        let body = body.to_string();
        write!(stream, "{}:{body},", body.len()).unwrap();
        // Let it take the command before the connection closes.
        std::thread::sleep(Duration::from_millis(200));
    }

    /// Waits for it to quit (its `-t`), killing it after `within_s`.
    pub fn wait(&mut self, within_s: u64) {
        let deadline = Instant::now() + Duration::from_secs(within_s);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.child.kill().ok();
    }

    /// What it heard on its first call (the `sndfile` dump), 8 kHz samples. The dump's WAV
    /// header gets its length when baresip closes that call, which can come a moment after the
    /// engine has hung up and written its record: wait for it, up to 10 s.
    pub fn heard(&self) -> Vec<i16> {
        self.heard_on_call(0)
    }

    /// What it heard on its call number `call` (0 = first), as [`heard`](Baresip::heard).
    pub fn heard_on_call(&self, call: usize) -> Vec<i16> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut dumps: Vec<PathBuf> = std::fs::read_dir(&self.record_dir)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with("-dec.wav"))
                .collect();
            dumps.sort();
            let read = match dumps.get(call) {
                Some(first) => ivr_media::read_wav(first).map_err(|e| e.to_string()),
                None => Err(format!(
                    "baresip recorded nothing in {}",
                    self.record_dir.display()
                )),
            };
            match read {
                Ok(samples) => return samples,
                Err(e) if Instant::now() > deadline => panic!("{e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("baresip.log")).unwrap_or_default()
    }
}

/// `fixture` followed by `silence_s` of silence, as a WAV baresip can use as its microphone.
pub fn padded_mic(fixture: &str, silence_s: usize) -> PathBuf {
    let mut audio = ivr_media::read_wav(repo().join("fixtures").join(fixture)).unwrap();
    audio.extend(std::iter::repeat_n(0, 8000 * silence_s));
    let path = std::env::temp_dir().join(format!(
        "ivr-mic-{}-{silence_s}-{fixture}",
        std::process::id()
    ));
    ivr_media::write_wav(&path, &audio, 8000).unwrap();
    path
}

/// Silence, as a microphone.
pub fn silent_mic(seconds: usize) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "ivr-mic-{}-silence-{seconds}.wav",
        std::process::id()
    ));
    ivr_media::write_wav(&path, &vec![0; 8000 * seconds], 8000).unwrap();
    path
}

/// A sine tone at `hz` for `seconds`, as 8 kHz samples.
pub fn tone(hz: f64, seconds: usize) -> Vec<i16> {
    (0..8000 * seconds)
        .map(|i| (8000.0 * (2.0 * std::f64::consts::PI * hz * i as f64 / 8000.0).sin()) as i16)
        .collect()
}

/// Writes samples as a microphone WAV named `name`.
pub fn mic(name: &str, samples: &[i16]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("ivr-mic-{}-{name}.wav", std::process::id()));
    ivr_media::write_wav(&path, samples, 8000).unwrap();
    path
}

/// 100 ms windows of `audio` that are mostly a tone at `hz` (over 80 % of their power, and
/// not quiet).
pub fn tone_windows(audio: &[i16], hz: f64) -> usize {
    audio
        .chunks_exact(800)
        .filter(|w| {
            let (mut c, mut s, mut power) = (0.0, 0.0, 0.0);
            for (i, &x) in w.iter().enumerate() {
                let x = f64::from(x);
                let phase = 2.0 * std::f64::consts::PI * hz * i as f64 / 8000.0;
                c += x * phase.cos();
                s += x * phase.sin();
                power += x * x;
            }
            let n = w.len() as f64;
            let tone_power = 2.0 * (c * c + s * s) / (n * n);
            let mean_power = power / n;
            mean_power > 300.0 * 300.0 && tone_power > 0.8 * mean_power
        })
        .count()
}
