//! The flows calls run, kept current: a flow file that changes (or every file, on SIGHUP) is
//! checked again and, if it passes, serves the calls that start from then on. Calls in
//! progress keep the version they started with (each holds its own `Arc`). A version that
//! fails the check is refused with its errors logged, and the previous one stays.

use ivr_flow::Flow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

struct Loaded {
    flow: Arc<Flow>,
    /// The file's modification time when it was read, to notice edits.
    modified: Option<SystemTime>,
    /// Bumped on every reload, for logs and `/calls`.
    version: u32,
}

pub struct FlowLibrary {
    flows: Mutex<HashMap<PathBuf, Loaded>>,
}

/// What a reload did, one line per file that changed.
pub enum Reloaded {
    Now(PathBuf, u32),
    Refused(PathBuf, String),
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl FlowLibrary {
    /// Loads every file; any that fails its check stops the engine from starting.
    pub fn load(files: &[PathBuf]) -> Result<FlowLibrary, String> {
        let mut flows = HashMap::new();
        for path in files {
            let stamp = modified(path);
            let flow =
                crate::flow_file::load(path).map_err(|e| format!("{}: {e}", path.display()))?;
            flows.insert(
                path.clone(),
                Loaded {
                    flow: Arc::new(flow),
                    modified: stamp,
                    version: 1,
                },
            );
        }
        Ok(FlowLibrary {
            flows: Mutex::new(flows),
        })
    }

    /// Every language of every flow loaded, once each.
    pub fn languages(&self) -> Vec<String> {
        let flows = self
            .flows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut langs: Vec<String> = Vec::new();
        for loaded in flows.values() {
            for lang in &loaded.flow.spec.languages {
                if !langs.contains(&lang.value) {
                    langs.push(lang.value.clone());
                }
            }
        }
        langs
    }

    /// The current version of a flow file loaded at start.
    pub fn get(&self, path: &Path) -> Option<(Arc<Flow>, u32)> {
        let flows = self.flows.lock().ok()?;
        flows.get(path).map(|l| (Arc::clone(&l.flow), l.version))
    }

    /// Reads again every file whose modification time changed (every file when `all`).
    /// Blocking file IO: call it off the async runtime.
    pub fn reload(&self, all: bool) -> Vec<Reloaded> {
        let stale: Vec<(PathBuf, Option<SystemTime>)> = match self.flows.lock() {
            Ok(flows) => flows
                .iter()
                .filter_map(|(path, loaded)| {
                    let now = modified(path);
                    (all || now != loaded.modified).then(|| (path.clone(), now))
                })
                .collect(),
            Err(_) => return Vec::new(),
        };
        let mut report = Vec::new();
        for (path, stamp) in stale {
            let result = crate::flow_file::load(&path);
            let Ok(mut flows) = self.flows.lock() else {
                break;
            };
            let Some(loaded) = flows.get_mut(&path) else {
                continue;
            };
            // Remembered either way: a refused edit is reported once, not every second.
            loaded.modified = stamp;
            match result {
                Ok(flow) => {
                    loaded.flow = Arc::new(flow);
                    loaded.version += 1;
                    report.push(Reloaded::Now(path, loaded.version));
                }
                Err(errors) => report.push(Reloaded::Refused(path, errors)),
            }
        }
        report
    }
}

/// Checks the flow files off the runtime (file IO and validation) and logs what changed.
pub async fn reload(shared: &Arc<super::Shared>, all: bool) {
    let library = Arc::clone(shared);
    let Ok(report) = tokio::task::spawn_blocking(move || library.flows.reload(all)).await else {
        return;
    };
    for change in report {
        match change {
            Reloaded::Now(path, version) => {
                metrics::counter!(super::metrics::FLOW_RELOADS, "result" => "loaded").increment(1);
                tracing::info!(
                    "flow {} reloaded (version {version}): new calls run it, calls in \
                     progress keep theirs",
                    path.display()
                );
            }
            Reloaded::Refused(path, errors) => {
                metrics::counter!(super::metrics::FLOW_RELOADS, "result" => "refused").increment(1);
                tracing::error!(
                    "flow {} changed but fails its check; calls keep the previous version. {errors}",
                    path.display()
                );
            }
        }
    }
}
