//! The local stack: our backend as the suite's process stack, described by
//! `stacks/local.toml` (process runner, a free port, workspace root and database in the
//! stack's private folder). The xtask builds `codex-backend` and `codex-worker` first and
//! points the config's programs at what it built. No Docker needed.

use anyhow::{bail, Context, Result};
use codex_live_suite::process::run_grouped;
use codex_live_suite::ProcessStack;
use codex_live_suite::StackOptions;
use codex_live_suite::SuiteConfig;
use codex_live_suite::{Events, Phase};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Our backend as a process, relative to the repository root.
pub const CONFIG: &str = "stacks/local.toml";

/// The variable through which the backend finds its worker binary; a team can plug in its
/// own worker by setting it in the xtask's environment.
const WORKER_BIN: &str = "WORKER_BIN";

/// `cargo build` arguments of the local stack's binaries (the bench's cold build uses the
/// same list). `--bin`, like the `cargo xtask` alias, resolves features for the whole
/// workspace: the dependencies the xtask was built with are reused, not rebuilt.
pub const LOCAL_BUILD_ARGS: [&str; 4] = ["--bin", "codex-backend", "--bin", "codex-worker"];

/// Builds `codex-backend` and `codex-worker` (debug) into the xtask's own target folder and
/// returns their paths.
pub fn build_binaries(events: &Events) -> Result<(PathBuf, PathBuf)> {
    let exe = std::env::current_exe().context("locating the xtask binary")?;
    // <target>/debug/xtask (also when run by `cargo test`: CARGO_BIN_EXE_xtask), or
    // <target>/debug/deps/xtask-<hash> for the xtask's own unit tests.
    let mut profile_dir = exe.parent().context("xtask binary has no folder")?;
    if profile_dir.ends_with("deps") {
        profile_dir = profile_dir.parent().context("deps folder has no parent")?;
    }
    let target = profile_dir
        .parent()
        .context("xtask binary is not in <target>/<profile>")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    events.line("local: building codex-backend and codex-worker (cargo build)");
    let sh = xshell::Shell::new()?;
    sh.change_dir(crate::project_root());
    let build = xshell::cmd!(
        sh,
        "{cargo} build --quiet {LOCAL_BUILD_ARGS...} --target-dir {target}"
    );
    // In a process group the run's reaper stops if the run is killed meanwhile.
    match run_grouped(build.into()) {
        Ok(status) if status.success() => {}
        Ok(status) => bail!(
            "cargo build --bin codex-backend --bin codex-worker failed ({status}); fix the \
             build errors above"
        ),
        Err(e) => bail!("could not run cargo build ({e}): is cargo on PATH?"),
    }
    let bin = |name: &str| target.join("debug").join(name);
    Ok((bin("codex-backend"), bin("codex-worker")))
}

/// `stacks/local.toml` with its programs pointed at the binaries just built.
pub fn config(root: &Path, backend: &Path, worker: &Path) -> Result<SuiteConfig> {
    let mut config = SuiteConfig::load(root, Some(&root.join(CONFIG)))?;
    let process = config
        .process
        .as_mut()
        .with_context(|| format!("{CONFIG} has no [process] table"))?;
    process.command[0] = backend.display().to_string();
    let worker = std::env::var_os(WORKER_BIN)
        .filter(|v| !v.is_empty())
        .map_or_else(|| worker.to_owned(), PathBuf::from);
    process
        .env
        .insert(WORKER_BIN.to_owned(), worker.display().to_string());
    Ok(config)
}

/// Builds our binaries, then starts them as the suite's process stack named `local`.
pub fn start(opts: &StackOptions) -> Result<ProcessStack> {
    let (backend, worker) = opts
        .events
        .timed(Phase::Build, || build_binaries(&opts.events))?;
    let root = crate::project_root();
    let opts = StackOptions {
        config: Arc::new(config(&root, &backend, &worker)?),
        ..opts.clone()
    };
    ProcessStack::start(&opts, "local")
}
