//! A `live-suite.toml`'s `pre_build`: the team's command run before `compose build`, from
//! the config file's folder, without the secrets (`main` removed them from the environment).
//!
//! It runs in a process group of its own, killed when it exceeds `pre_build_timeout` and on
//! every signal path (`process::run_streamed`). Its output is streamed, never held whole,
//! into `prebuild.log` of the run folder through the evidence writer (redacted, at most
//! [`LOG_LIMIT`] bytes, the rest counted). A failure quotes its last lines.

use crate::evidence::Evidence;
use crate::model::events::Events;
use crate::stack::suite_config::SuiteConfig;
use crate::sys::process::{self, Ended};
use anyhow::{bail, Context, Result};
use std::collections::VecDeque;
use std::path::Path;

/// The file in the run folder.
pub(super) const LOG_FILE: &str = "prebuild.log";
/// The most of its output `prebuild.log` keeps.
pub(super) const LOG_LIMIT: usize = 8 << 20;
/// The lines a failure quotes, and the bytes of each.
const TAIL_LINES: usize = 25;
const TAIL_WIDTH: usize = 400;
/// Output is appended to the log in pieces of about this size, each ending with a line.
const FLUSH_AT: usize = 64 << 10;

/// Runs `config.pre_build` (if any) to its end; an error names the file, the command, how
/// it ended and its last lines.
pub(super) fn run(
    config: &SuiteConfig,
    source: &Path,
    ev: &Evidence,
    events: &Events,
) -> Result<()> {
    let Some(argv) = &config.pre_build else {
        return Ok(());
    };
    let (program, args) = argv.split_first().context("pre_build is empty")?;
    // The config's folder; `live-suite.toml` given without one is in the current folder.
    let folder = match source.parent() {
        Some(f) if !f.as_os_str().is_empty() => f,
        _ => Path::new("."),
    };
    let mut cmd = std::process::Command::new(program);
    cmd.args(args).current_dir(folder);
    let mut log = Log {
        ev,
        pending: String::new(),
        kept: 0,
        dropped: 0,
        tail: VecDeque::new(),
        problems: Vec::new(),
    };
    let ended = process::run_streamed(cmd, config.pre_build_timeout, |line| log.line(line));
    log.finish();
    for problem in &log.problems {
        events.line(format!("compose: pre_build: {problem}"));
    }
    let command = argv.join(" ");
    let why = match ended.with_context(|| {
        format!(
            "{}: `pre_build` {program:?} could not be started in {}; fix: name a program on \
             PATH",
            source.display(),
            folder.display()
        )
    })? {
        Ended::Exited(status) if status.success() => return Ok(()),
        Ended::Exited(status) => format!("failed ({status})"),
        Ended::TimedOut => format!(
            "did not finish within {} s (`pre_build_timeout`) and was killed with its process \
             group; fix: raise pre_build_timeout, or find what it waits for",
            config.pre_build_timeout.as_secs()
        ),
        Ended::Interrupted => "was stopped: the run was interrupted".to_owned(),
    };
    bail!(
        "{}: `pre_build` ({command}) {why}; its last lines (all of its output is in \
         {LOG_FILE}):\n{}",
        source.display(),
        log.tail
            .iter()
            .map(|l| String::from_utf8_lossy(l))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// The output on its way: pending text for the log, the last lines, what did not fit.
struct Log<'a> {
    ev: &'a Evidence,
    pending: String,
    /// Bytes handed to the log so far.
    kept: usize,
    /// Bytes over [`LOG_LIMIT`], not kept.
    dropped: u64,
    tail: VecDeque<Vec<u8>>,
    /// What went wrong with the log itself (a write, a redaction), said once at the end.
    problems: Vec<String>,
}

impl Log<'_> {
    fn line(&mut self, bytes: &[u8]) {
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail
            .push_back(bytes[..bytes.len().min(TAIL_WIDTH)].to_vec());
        if self.kept + bytes.len() + 1 > LOG_LIMIT {
            self.dropped += bytes.len() as u64 + 1;
            return;
        }
        let text = String::from_utf8_lossy(bytes);
        self.kept += text.len() + 1;
        self.pending.push_str(&text);
        self.pending.push('\n');
        if self.pending.len() >= FLUSH_AT {
            self.flush();
        }
    }

    /// Appends what is pending (whole lines, so that no secret is split between writes).
    fn flush(&mut self) {
        let text = std::mem::take(&mut self.pending);
        match self.ev.append(LOG_FILE, &text) {
            Ok(leaks) => {
                for leak in leaks.iter().map(|l| l.to_string()) {
                    if !self.problems.contains(&leak) {
                        self.problems.push(leak);
                    }
                }
            }
            Err(e) => {
                let e = format!("{e:#}");
                if !self.problems.contains(&e) {
                    self.problems.push(e);
                }
            }
        }
    }

    fn finish(&mut self) {
        if self.dropped > 0 {
            self.pending.push_str(&format!(
                "… {} more bytes of output not kept: {LOG_FILE} keeps at most {} MiB\n",
                self.dropped,
                LOG_LIMIT >> 20
            ));
        }
        if !self.pending.is_empty() {
            self.flush();
        }
    }
}
