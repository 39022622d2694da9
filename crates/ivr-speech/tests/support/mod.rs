//! What the model tests share.

/// This process's resident memory in MB (from /proc), for the measurement tests.
pub fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// Runs `test` of this test binary in a fresh process with `IVR_MEASURE=setup`, so memory
/// figures are the model's own, and prints the `MEASURE` lines it reports.
pub fn measure_in_fresh_process(test: &str, setup: &str) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = std::process::Command::new(&exe)
        .args(["--ignored", "--exact", test, "--nocapture"])
        .env("IVR_MEASURE", setup)
        .output()
        .expect("the test binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("MEASURE"))
        .collect();
    assert!(
        out.status.success() && !lines.is_empty(),
        "{setup}: {stderr}"
    );
    eprintln!("{}", lines.join("\n"));
}
