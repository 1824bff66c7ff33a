//! The three targets for the suite's own speed, each a value measured in this bench run
//! beside its limit, for this xtask and for the baseline's:
//!
//! - (a) against the synchronous double: the suite's wall time ÷ the double's busy time;
//! - (b) on the local stack: the suite's own time, its wall time less the caller's build and
//!   the scenarios;
//! - (c) the first `cargo xtask live-suite` on a clean clone: the cold builds it waits for
//!   (`--cold`) plus a local run.

use super::targets::Kind;
use super::{column, Sample, Stats, TargetReport};
use serde::Serialize;

/// How a goal's value reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Ratio,
    Seconds,
}

/// One target: what is measured, its upper limit, and what it means.
pub struct Goal {
    pub id: &'static str,
    pub label: &'static str,
    pub limit: f64,
    pub unit: Unit,
    pub means: &'static str,
    /// What the bench needs to measure it.
    pub needs: &'static str,
}

pub const GOALS: [Goal; 3] = [
    Goal {
        id: "(a)",
        label: "sync double: suite wall / double's busy time",
        limit: 1.3,
        unit: Unit::Ratio,
        means: "the whole suite process (`xtask live-suite`, or --suite-bin's \
                codex-live-suite) against the synchronous double (py_orchestrator, L08 \
                sleeping 0 s), divided by the time the double spent \
                answering its requests (the union of its request intervals; each job runs \
                inside the POST that submits it)",
        needs: "the sync double (default when python3 is found, or --sync-double)",
    },
    Goal {
        id: "(b)",
        label: "local stack: the suite's own time",
        limit: 0.3,
        unit: Unit::Seconds,
        means: "wall less the caller's build and the scenarios (ladder, rollback, rerun): \
                the suite's own start-up, health wait, probes, teardown, reports, screenshot \
                and zip",
        needs: "the local stack (default, or --stack local)",
    },
    Goal {
        id: "(c)",
        label: "first run on a clean clone",
        limit: 90.0,
        unit: Unit::Seconds,
        means: "the cold builds of the xtask and of the local stack's binaries in a clean \
                target folder (crates already downloaded), plus the median local run",
        needs: "--cold and the local stack",
    },
];

/// The goals' values for one xtask binary, in `GOALS` order (`None`: not measured).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Measured {
    pub double_ratio: Option<f64>,
    pub own_time: Option<f64>,
    pub first_run: Option<f64>,
}

impl Measured {
    /// The values of one binary's targets (`baseline`: the `--baseline-xtask` ones);
    /// `cold`: the seconds of its first-run cold builds, when `--cold` measured them.
    pub fn of(targets: &[TargetReport], baseline: bool, cold: Option<f64>) -> Measured {
        let samples = |kind: Kind| {
            targets
                .iter()
                .find(|t| t.kind == kind && t.baseline == baseline)
                .map_or(&[][..], |t| &t.samples[..])
        };
        let local = samples(Kind::Local);
        let local_wall = Stats::of(&local.iter().map(|s| s.wall).collect::<Vec<_>>());
        Measured {
            double_ratio: double_ratio(samples(Kind::SyncDouble)),
            own_time: own_time(local),
            first_run: cold.zip(local_wall).map(|(c, w)| c + w.median),
        }
    }

    fn values(&self) -> [Option<f64>; 3] {
        [self.double_ratio, self.own_time, self.first_run]
    }
}

/// The median over the runs of the suite's wall time ÷ the double's busy time.
pub fn double_ratio(samples: &[Sample]) -> Option<f64> {
    let ratios: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.target_busy.filter(|b| *b > 0.0).map(|b| s.wall / b))
        .collect();
    Stats::of(&ratios).map(|s| s.median)
}

/// The median over the runs of the wall time less the build and the scenarios.
pub fn own_time(samples: &[Sample]) -> Option<f64> {
    let spent = ["build", "ladder", "rollback", "rerun"].map(column);
    let own: Vec<f64> = samples
        .iter()
        .map(|s| s.wall - spent.iter().map(|i| s.phases[*i]).sum::<f64>())
        .collect();
    Stats::of(&own).map(|s| s.median)
}

/// A value against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    Met,
    NotMet,
    NotMeasured,
}

pub fn judge(value: Option<f64>, limit: f64) -> Judgement {
    match value {
        None => Judgement::NotMeasured,
        Some(v) if v <= limit => Judgement::Met,
        Some(_) => Judgement::NotMet,
    }
}

/// `1.52` or `0.62 s`.
fn amount(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Ratio => format!("{value:.2}"),
        Unit::Seconds => format!("{value:.2} s"),
    }
}

/// One binary's cell: `1.52 (not met)`, `0.25 s (met)`, `- (not measured)`.
pub fn cell(value: Option<f64>, goal: &Goal) -> String {
    let verdict = match judge(value, goal.limit) {
        Judgement::Met => "met",
        Judgement::NotMet => "not met",
        Judgement::NotMeasured => "not measured",
    };
    let shown = value.map_or("-".into(), |v| amount(v, goal.unit));
    format!("{shown} ({verdict})")
}

/// The targets' block of the table: a line per goal with this binary's value, the
/// baseline's beside it when there is one, and the limit; then what each value means, and
/// what the bench needs for one it did not measure.
pub fn lines(this: &Measured, baseline: Option<&Measured>) -> Vec<String> {
    let mut out = vec![format!(
        "targets (medians of this bench's runs{})",
        if baseline.is_some() {
            "; baseline: --baseline-xtask / --baseline-suite-bin, same rounds"
        } else {
            ""
        }
    )];
    for (i, goal) in GOALS.iter().enumerate() {
        let mut line = format!(
            "  {} {:<46} this {:<20}",
            goal.id,
            goal.label,
            cell(this.values()[i], goal)
        );
        if let Some(b) = baseline {
            line += &format!(" baseline {:<20}", cell(b.values()[i], goal));
        }
        line += &format!(" limit <= {}", amount(goal.limit, goal.unit));
        out.push(line);
    }
    for (i, goal) in GOALS.iter().enumerate() {
        out.push(format!("  {}: {}", goal.id, goal.means));
        if this.values()[i].is_none() {
            out.push(format!("      not measured: needs {}", goal.needs));
        }
    }
    out
}
