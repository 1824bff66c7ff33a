//! `smoke`: M01–M04 alone against a backend started in mocked mode.

use super::run::{execute, RunPlan};
use crate::cli::SmokeArgs;
use crate::compare::Baseline;
use crate::ladder::{self, mocked, Gate, Settings};
use crate::model::secrets::Secrets;
use crate::report::terminal::Console;
use crate::stack::Launcher;
use anyhow::Result;
use codex_contract::Mode;
use std::time::Duration;

impl SmokeArgs {
    pub fn run(self, secrets: &Secrets, launcher: &dyn Launcher, console: &Console) -> Result<i32> {
        let plan = RunPlan {
            stack: &self.stack,
            mocked_base_url: None,
            mode: Mode::Mocked,
            settings: Settings {
                poll_timeout: Duration::from_secs(self.stack.poll_timeout),
                long_run_seconds: 0,
                retries: 0,
                strict: self.stack.strict,
                settle_grace: Duration::from_secs(self.stack.settle_grace),
            },
            smoke_dir: "mocked/SMOKE",
            baseline: Baseline::Off,
            launcher,
            console,
        };
        execute(plan, secrets, |ctx, ev| {
            ladder::run(
                ctx,
                ev,
                "mocked/SMOKE",
                &mocked::SMOKE,
                &ladder::run_all,
                Gate::open(),
            )
        })
    }
}
