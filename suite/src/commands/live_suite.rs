//! `live-suite`: the live ladder L01–L08, the rollback and the mocked rerun
//! M01–M04, then every report.

use super::run::{execute, RunPlan};
use crate::cli::LiveSuiteArgs;
use crate::compare::Baseline;
use crate::evidence::Evidence;
use crate::ladder::{self, live, mocked, Ctx, Gate, Scenario, Settings};
use crate::model::events::Event;
use crate::model::outcome::{ScenarioOutcome, Suite, Verdict};
use crate::model::secrets::Secrets;
use crate::report::terminal::Console;
use crate::stack::Launcher;
use anyhow::Result;
use codex_contract::Mode;
use std::time::Duration;

impl LiveSuiteArgs {
    /// Returns the exit code (0 pass, 1 a scenario failed).
    pub fn run(self, secrets: &Secrets, launcher: &dyn Launcher, console: &Console) -> Result<i32> {
        let plan = RunPlan {
            stack: &self.stack,
            mocked_base_url: self.mocked_base_url.as_deref(),
            mode: Mode::Live,
            settings: Settings {
                poll_timeout: Duration::from_secs(self.stack.poll_timeout),
                long_run_seconds: self.long_run_seconds,
                retries: self.retries,
                strict: self.stack.strict,
                settle_grace: Duration::from_secs(self.stack.settle_grace),
            },
            smoke_dir: "mocked/RERUN",
            baseline: Baseline::from_flag(self.baseline.as_deref(), &self.stack.out),
            launcher,
            console,
        };
        execute(plan, secrets, |ctx, ev| run_ladders(ctx, ev, &self))
    }

    /// Which scenarios `--skip`, `--from` and `--only` leave out, and why. A live id selects
    /// in the live ladder and leaves the rerun whole; a mocked id (M01–M04) leaves out every
    /// live scenario not named and selects in the rerun. The rollback always runs: it brings
    /// the mocked mode.
    fn left_out(&self, s: &Scenario) -> Option<String> {
        let live = s.suite == Suite::Live;
        let applies = |id: &&String| live || id.starts_with('M');
        if self.skip.iter().any(|id| id == s.id) {
            return Some(format!("not selected (--skip {})", self.skip.join(",")));
        }
        let only: Vec<&String> = self.only.iter().filter(applies).collect();
        if !only.is_empty() {
            let named = only.iter().any(|id| *id == s.id);
            let list: Vec<&str> = only.iter().map(|id| id.as_str()).collect();
            return (!named).then(|| format!("not selected (--only {})", list.join(",")));
        }
        if let Some(from) = self.from.as_ref().filter(applies) {
            return (s.id < from.as_str()).then(|| format!("not selected (--from {from})"));
        }
        None
    }
}

fn run_ladders(ctx: &mut Ctx, ev: &Evidence, args: &LiveSuiteArgs) -> Vec<ScenarioOutcome> {
    let select = |s: &Scenario| args.left_out(s);
    let mut outcomes = ladder::run(ctx, ev, "live", &live::LADDER, &select, Gate::open());
    live::attach_app_diffs(&mut outcomes);
    let rollback_skip = if let Some(why) = crate::sys::interrupt::not_run() {
        Some(why)
    } else if args.no_rollback {
        Some("--no-rollback".to_owned())
    } else {
        ctx.stack.rollback_unavailable()
    };
    let rollback = match rollback_skip.clone() {
        Some(why) => ladder::skipped(&mocked::ROLLBACK, why, ctx.events),
        None => {
            record_rollback_trigger(ev, &mut outcomes);
            ctx.events.emit(Event::Rollback {
                at: ctx.events.elapsed(),
            });
            ladder::run(
                ctx,
                ev,
                "mocked",
                &[mocked::ROLLBACK],
                &ladder::run_all,
                Gate::open(),
            )
            .pop()
            .expect("one scenario")
        }
    };
    let gate = match rollback.verdict {
        Verdict::Pass => Gate::open(),
        _ => Gate::closed_by(&rollback.id),
    };
    outcomes.push(rollback);
    // No rollback, no rerun: each mocked scenario says why, as the rollback does.
    let smoke = match rollback_skip {
        Some(why) if args.no_rollback => mocked::SMOKE
            .iter()
            .map(|s| ladder::skipped(s, format!("not run: {why}"), ctx.events))
            .collect(),
        _ => ladder::run(ctx, ev, "mocked/RERUN", &mocked::SMOKE, &select, gate),
    };
    outcomes.extend(smoke);
    outcomes
}

/// Plan section 8: the triggering scenario's notes.txt records why the rollback ran (the
/// first failure, or the last live scenario that ran).
fn record_rollback_trigger(ev: &Evidence, outcomes: &mut [ScenarioOutcome]) {
    let failed = outcomes.iter().position(|o| o.verdict.is_failure());
    let Some(i) = failed.or_else(|| outcomes.iter().rposition(|o| o.verdict == Verdict::Pass))
    else {
        return;
    };
    let o = &mut outcomes[i];
    let why = match o.verdict {
        Verdict::Pass => format!("{} passed as the last live scenario of the ladder", o.id),
        _ => format!(
            "{} did not pass ({}): the ladder stopped here",
            o.id, o.reason
        ),
    };
    let rel = format!("live/{}", o.id);
    let note = format!(
        "\nrollback trigger: {why}.\nrollback: restart in mocked mode (USE_DUMMY_WORKER=True) on \
         the same data, then the mocked smoke M01-M04; results in mocked/ROLLBACK/ and \
         mocked/RERUN/summary.txt (started {}).\n",
        codex_contract::now_iso8601()
    );
    if ev.append(&format!("{rel}/notes.txt"), &note).is_ok() {
        o.evidence = ev.files_under(&rel);
    }
}

#[cfg(test)]
mod tests {
    use crate::ladder::{live::LADDER, mocked::SMOKE};

    /// The ids `args` runs, live ladder then rerun.
    fn selected(args: &[&str]) -> Vec<&'static str> {
        let cli = crate::cli::Cli::try_parse_args(
            std::iter::once("codex-live-suite").chain(args.iter().copied()),
        )
        .unwrap();
        LADDER
            .iter()
            .chain(SMOKE.iter())
            .filter(|s| cli.run.left_out(s).is_none())
            .map(|s| s.id)
            .collect()
    }

    #[test]
    fn only_skip_and_from_select_in_the_ladder_and_the_rerun() {
        let all_m = ["M01", "M02", "M03", "M04"];
        let cases: [(&[&str], Vec<&str>); 6] = [
            (
                &["--only", "L03,L05"],
                [&["L03", "L05"][..], &all_m].concat(),
            ),
            (&["--only", "M02"], vec!["M02"]),
            (&["--only", "L04", "--only", "M03"], vec!["L04", "M03"]),
            (&["--skip", "L06,M01"], {
                let mut v: Vec<&str> = LADDER
                    .iter()
                    .map(|s| s.id)
                    .filter(|i| *i != "L06")
                    .collect();
                v.extend(["M02", "M03", "M04"]);
                v
            }),
            (
                &["--from", "L07", "--skip", "L08"],
                [&["L07"][..], &all_m].concat(),
            ),
            (&["--from", "M03"], vec!["M03", "M04"]),
        ];
        for (args, want) in cases {
            assert_eq!(selected(args), want, "{args:?}");
        }
    }
}
