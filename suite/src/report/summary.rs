//! `summary.txt` (and `mocked/RERUN/summary.txt`): scenario, verdict, duration, one-line
//! reason; the run's counts, observations included ("13 passed, 2 observations").

use super::text::escape_controls;
use crate::compare::Against;
use crate::events::{Event, Reporter};
use crate::evidence::Evidence;
use crate::outcome::{RunReport, ScenarioOutcome, Verdict};

/// The reporter that writes `summary.txt` when the run finishes (with the comparison at
/// its end when the run was compared with a baseline).
pub struct SummaryFile {
    ev: Evidence,
    against: Option<Against>,
    /// `RunInterrupted`: the summary says it is partial.
    interrupted: Option<String>,
}

impl SummaryFile {
    pub fn new(ev: Evidence) -> Self {
        SummaryFile {
            ev,
            against: None,
            interrupted: None,
        }
    }
}

impl Reporter for SummaryFile {
    fn event(&mut self, event: &Event) -> anyhow::Result<()> {
        match event {
            Event::Compared { against } => self.against = Some(against.clone()),
            Event::RunInterrupted { signal, after } => {
                self.interrupted = Some(format!(
                    "\ninterrupted by {signal} after {:.1} s: a partial report; the scenarios \
                     after the interrupted one were not run\n",
                    after.as_secs_f64()
                ));
            }
            Event::RunFinished { report } => {
                let mut text = run_summary(report) + self.interrupted.as_deref().unwrap_or("");
                if let Some(against) = &self.against {
                    text.push('\n');
                    text.push_str(&against.render_text());
                }
                self.ev.write("summary.txt", &escape_controls(&text))?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// `<base>/summary.txt` of a mocked smoke (`mocked/RERUN`, `mocked/SMOKE`).
pub fn write_smoke_summary(ev: &Evidence, base: &str, smoke: &[ScenarioOutcome]) {
    let all_pass = smoke.iter().all(|o| o.verdict == Verdict::Pass);
    let text = format!(
        "mocked smoke M01-M04: {}\n\n{}",
        if all_pass { "PASS" } else { "FAIL" },
        table(&smoke.iter().collect::<Vec<_>>())
    );
    let _ = ev.write(&format!("{base}/summary.txt"), &escape_controls(&text));
}

/// A table row per outcome, aligned.
pub fn table(outcomes: &[&ScenarioOutcome]) -> String {
    let mut s = format!(
        "{:<9} {:<7} {:>9}  {}\n",
        "scenario", "verdict", "duration", "reason"
    );
    for o in outcomes {
        s.push_str(&format!(
            "{:<9} {:<7} {:>8.1}s  {}\n",
            o.id,
            o.verdict.as_str(),
            o.duration.as_secs_f64(),
            o.reason
        ));
    }
    s
}

/// The run's `summary.txt`.
pub fn run_summary(r: &RunReport) -> String {
    let count = |v: Verdict| r.count(v);
    format!(
        "live validation suite run {}\nstack: {}\nbase url: {}\n{}target commit: {} ({})\nresult: {} \
         ({} passed, {} failed, {} errors, {} skipped, {} observations)\n\n{}{}",
        r.run_id,
        r.stack,
        r.base_url,
        r.target_description()
            .map(|t| format!("{t}\n"))
            .unwrap_or_default(),
        r.git_commit,
        crate::outcome::SUITE_VERSION,
        if r.passed() { "PASS" } else { "FAIL" },
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::Skip),
        r.observations(),
        table(&r.outcomes.iter().collect::<Vec<_>>()),
        observations(r)
    )
}

/// The observations, one line each under their scenario (empty when there are none).
fn observations(r: &RunReport) -> String {
    let lines: Vec<String> = r
        .outcomes
        .iter()
        .flat_map(|o| {
            o.observations
                .iter()
                .map(move |t| format!("{}: {t}\n", o.id))
        })
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    format!(
        "\nobservations (beyond the plan's acceptance):\n{}",
        lines.concat()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Suite;

    #[test]
    fn one_row_per_scenario_with_verdict_duration_and_reason() {
        let o = ScenarioOutcome::new(
            "L03",
            "File Listing Verification",
            Suite::Live,
            Verdict::Skip,
            "gated by L02".into(),
        );
        let t = table(&[&o]);
        assert_eq!(t.lines().count(), 2);
        let row = t.lines().nth(1).unwrap();
        assert!(
            row.starts_with("L03")
                && row.contains("SKIP")
                && row.contains("0.0s")
                && row.ends_with("gated by L02"),
            "{row}"
        );
    }
}
