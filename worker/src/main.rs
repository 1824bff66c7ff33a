//! `codex-worker`: runs one job on `$WORKSPACE_DIR` (CONTRACT.md, "Workspace and worker
//! contract"). All logic lives in the library; this only wires the process environment in
//! and the exit code out.

use std::process::ExitCode;

fn main() -> ExitCode {
    let exit = codex_worker::run(|name| std::env::var(name).ok());
    ExitCode::from(exit.code())
}
