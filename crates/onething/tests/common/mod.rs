//! The real binary as a process: the demo on a free port, killed when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The demo process; killed (SIGKILL) and reaped when dropped.
pub struct Demo(pub Child);

impl Demo {
    pub fn kill_9(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.kill_9();
    }
}

pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_onething"));
    command
        .env("ONETHING_LOG", "warn")
        .env_remove("ONETHING_LEDGER_KEY")
        .env_remove("ONETHING_LEDGER_ORIGIN")
        .env_remove("ONETHING_DATABASE_URL")
        .env_remove("ONETHING_DATA_DIR");
    command
}

/// Starts `onething demo` on a free port and returns it with its API base URL.
pub fn start_demo(data_dir: &Path) -> (Demo, String) {
    let mut child = command()
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Demo(child);
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "demo did not start");
        let line = lines.next().expect("demo exited before printing its URL").unwrap();
        if let Some(rest) = line.split("demo running: ").nth(1) {
            let base = format!("{}api/v1", rest.trim());
            std::thread::spawn(move || for _ in lines {});
            return (child, base);
        }
    }
}
