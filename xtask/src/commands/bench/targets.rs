//! What `cargo xtask bench` runs the suite against, and one timed run of it.

use super::double::{self, Double};
use super::{sample_from_events, Sample};
use crate::cli::BenchArgs;
use crate::stacks::StackKind;
use anyhow::{bail, Context, Result};
use codex_live_suite::bounded_read;
use codex_live_suite::structured;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// What a run is against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Local,
    Compose,
    /// `--base-url`: a backend someone else runs.
    BaseUrl,
    /// The synchronous double (`double.rs`), started for each run.
    SyncDouble,
}

/// Which program a target's runs start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// `xtask live-suite`: this binary or `--baseline-xtask`'s.
    Xtask,
    /// `--suite-bin`'s codex-live-suite, whose run is its command line without a command.
    Suite,
}

/// One thing to run the suite against, with one binary.
#[derive(Clone)]
pub struct Target {
    pub name: String,
    pub kind: Kind,
    pub exe: PathBuf,
    pub program: Program,
    /// Run with a baseline's binary (`--baseline-xtask`, `--baseline-suite-bin`).
    pub baseline: bool,
}

impl BenchArgs {
    /// The targets of each round, in order, each followed by its baseline when one is given.
    pub(super) fn targets(&self) -> Result<Vec<Target>> {
        let exe = std::env::current_exe().context("locating the xtask binary")?;
        let chosen = !self.stack.is_empty() || self.base_url.is_some() || self.sync_double;
        let mut kinds: Vec<Kind> = self.stack.iter().map(|k| stack_kind(*k)).collect();
        if !chosen {
            kinds.push(Kind::Local);
            if codex_live_suite::docker::probe_engine().is_ok() {
                kinds.push(Kind::Compose);
            }
        }
        if self.base_url.is_some() {
            kinds.push(Kind::BaseUrl);
        }
        if self.sync_double || (!chosen && double::python_found()) {
            kinds.push(Kind::SyncDouble);
        }
        if kinds.is_empty() {
            bail!("nothing to benchmark: give --stack, --base-url and/or --sync-double");
        }
        let suite = self.suite_bin.as_deref().map(check_suite_bin).transpose()?;
        let by_url = |kind: Kind| matches!(kind, Kind::BaseUrl | Kind::SyncDouble);
        if suite.is_some() && !kinds.iter().any(|k| by_url(*k)) {
            bail!(
                "--suite-bin runs the targets given by URL: add --sync-double or --base-url \
                 (the local and compose stacks run with the xtask)"
            );
        }
        let targets: Vec<Target> = kinds
            .into_iter()
            .map(|kind| match &suite {
                Some(bin) if by_url(kind) => Target {
                    name: format!("{}, --suite-bin", name(kind)),
                    kind,
                    exe: bin.clone(),
                    program: Program::Suite,
                    baseline: false,
                },
                _ => Target {
                    name: name(kind).to_owned(),
                    kind,
                    exe: exe.clone(),
                    program: Program::Xtask,
                    baseline: false,
                },
            })
            .collect();
        self.with_baselines(targets)
    }

    /// Each target followed by the same with the baseline's binary of its program
    /// (`--baseline-xtask`, `--baseline-suite-bin`), when one is given.
    fn with_baselines(&self, targets: Vec<Target>) -> Result<Vec<Target>> {
        let xtask = self.baseline_xtask.as_deref();
        if let Some(b) = xtask {
            check_baseline(b)?;
        }
        let suite = self
            .baseline_suite_bin
            .as_deref()
            .map(check_suite_bin)
            .transpose()?;
        let by_suite = targets.iter().any(|t| t.program == Program::Suite);
        if by_suite && xtask.is_some() && suite.is_none() {
            bail!(
                "--baseline-xtask with --suite-bin: the baseline of the targets given by URL is \
                 a codex-live-suite too: add --baseline-suite-bin (the baseline's, built with \
                 `cargo build --release -p codex-live-suite` in a worktree of it)"
            );
        }
        // Interleaved with the targets above: A, A', B, B', … in every round.
        Ok(targets
            .into_iter()
            .flat_map(|t| {
                let exe = match t.program {
                    Program::Xtask => xtask.map(Path::to_path_buf),
                    Program::Suite => suite.clone(),
                };
                let b = exe.map(|exe| Target {
                    name: format!("{} (baseline)", t.name),
                    exe,
                    baseline: true,
                    ..t.clone()
                });
                std::iter::once(t).chain(b)
            })
            .collect())
    }

    /// One run of the suite in `out`; its output goes to `<out>.log` (read it when a run
    /// failed). Against the double, the double is started before and stopped after it (not
    /// timed), and L08 sleeps 0 s: a sleep would count as the target's own time.
    pub(super) fn one_run(&self, target: &Target, out: &Path) -> Result<Sample> {
        let (args, sleep, double) = match target.kind {
            Kind::Local | Kind::Compose => (
                vec!["--stack".into(), name(target.kind).to_owned()],
                self.long_run_seconds,
                None,
            ),
            Kind::BaseUrl => {
                let url = self
                    .base_url
                    .clone()
                    .context("a base-url target needs --base-url")?;
                (vec!["--base-url".into(), url], self.long_run_seconds, None)
            }
            Kind::SyncDouble => {
                let double = Double::start(&out.with_extension("double"))?;
                (double.args(), 0, Some(double))
            }
        };
        let timed = self.timed_run(target, &Invocation { args, sleep }, out);
        // The double stops whether or not the run went well; the run's error comes first.
        let busy = double.map(Double::stop).transpose();
        let sample = timed?;
        Ok(Sample {
            target_busy: busy?,
            ..sample
        })
    }

    fn timed_run(&self, target: &Target, run: &Invocation, out: &Path) -> Result<Sample> {
        let exe = &target.exe;
        let log_path = out.with_extension("log");
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("creating {}", log_path.display()))?;
        let mut cmd = Command::new(exe);
        if self.no_screenshot {
            cmd.env("CHROMIUM", NO_BROWSER);
        }
        if target.program == Program::Xtask {
            cmd.arg("live-suite");
        }
        let t = Instant::now();
        let status = cmd
            .args(&run.args)
            .arg("--long-run-seconds")
            .arg(run.sleep.to_string())
            .arg("--out")
            .arg(out)
            .current_dir(crate::project_root())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .status()
            .with_context(|| format!("running {}", exe.display()))?;
        let wall = t.elapsed().as_secs_f64();
        let code = status.code().unwrap_or(-1);
        let log = run_folder(out)
            .map(|dir| dir.join(codex_live_suite::files::EVENTS))
            .filter(|f| f.exists());
        let text = match log {
            Some(f) => bounded_read::read_text(&f, bounded_read::EVENTS_LIMIT)
                .with_context(|| format!("reading the events of the {} run", target.name))?,
            None => String::new(),
        };
        if text.is_empty() {
            bail!(
                "the {} run wrote no events.jsonl (exit {code}); its output:\n{}",
                target.name,
                codex_live_suite::docker::tail(
                    &std::fs::read_to_string(&log_path).unwrap_or_default(),
                    30
                )
            );
        }
        let events = structured::read(&text)
            .with_context(|| format!("reading the events of the {} run", target.name))?;
        Ok(sample_from_events(&events, wall, run.sleep as f64, code))
    }
}

/// The suite's options for one run, and L08's sleep among them.
struct Invocation {
    args: Vec<String>,
    sleep: u64,
}

/// `--no-screenshot`'s browser: a command that fails at once, so no report.png is taken.
const NO_BROWSER: &str = "false";

fn stack_kind(kind: StackKind) -> Kind {
    match kind {
        StackKind::Local => Kind::Local,
        StackKind::Compose => Kind::Compose,
    }
}

/// The target's name in the table (and `--stack`'s value for a stack).
pub fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::Local => "local",
        Kind::Compose => "compose",
        Kind::BaseUrl => "base-url",
        Kind::SyncDouble => "sync-double",
    }
}

/// `--baseline-xtask` names a binary where cargo built it.
fn check_baseline(baseline: &Path) -> Result<()> {
    if !baseline.is_file() {
        bail!(
            "--baseline-xtask {}: no such file (build the other commit's xtask in a worktree \
             of it: `git worktree add ../old <rev> && cargo build --bin xtask --manifest-path \
             ../old/Cargo.toml`, then pass ../old/target/debug/xtask)",
            baseline.display()
        );
    }
    // Its local stack builds backend and worker into the folder above its own: a copy
    // outside `<target>/debug/` would build into `/debug` or the like.
    if baseline.parent().and_then(|d| d.file_name()) != Some("debug".as_ref()) {
        bail!(
            "--baseline-xtask {}: pass the binary where cargo built it, in its `<target>/debug/` \
             folder (its local stack builds next to it), not a copy",
            baseline.display()
        );
    }
    Ok(())
}

/// `--suite-bin` names a codex-live-suite binary (its `--version` says so), as an absolute
/// path: the runs start in the repository's root.
fn check_suite_bin(bin: &Path) -> Result<PathBuf> {
    let fix = "build one with `cargo build --release -p codex-live-suite` and pass \
               target/release/codex-live-suite";
    let abs = bin
        .canonicalize()
        .with_context(|| format!("--suite-bin {}: no such file ({fix})", bin.display()))?;
    let version = Command::new(&abs)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("--suite-bin {}: cannot run it ({fix})", bin.display()))?;
    let said = String::from_utf8_lossy(&version.stdout);
    if !version.status.success() || !said.starts_with("codex-live-suite ") {
        bail!(
            "--suite-bin {}: not a codex-live-suite binary (`--version` said {:?}; {fix})",
            bin.display(),
            said.lines().next().unwrap_or_default()
        );
    }
    Ok(abs)
}

/// The one run folder under a fresh `--out`.
pub(super) fn run_folder(out: &Path) -> Option<PathBuf> {
    std::fs::read_dir(out)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
}
