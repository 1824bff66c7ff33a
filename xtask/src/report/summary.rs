//! `summary.txt` (and `mocked/RERUN/summary.txt`): scenario, verdict, duration, one-line
//! reason.

use super::{RunReport, ScenarioOutcome, Verdict};

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
    let count = |v: Verdict| r.outcomes.iter().filter(|o| o.verdict == v).count();
    format!(
        "live validation suite run {}\nstack: {}\nbase url: {}\ngit commit: {}\nresult: {} \
         ({} passed, {} failed, {} errors, {} skipped)\n\n{}",
        r.run_id,
        r.stack,
        r.base_url,
        r.git_commit,
        if r.passed() { "PASS" } else { "FAIL" },
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::Skip),
        table(&r.outcomes.iter().collect::<Vec<_>>())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Suite;
    use std::time::Duration;

    #[test]
    fn one_row_per_scenario_with_verdict_duration_and_reason() {
        let o = ScenarioOutcome {
            id: "L03".into(),
            title: "File Listing Verification".into(),
            suite: Suite::Live,
            verdict: Verdict::Skip,
            duration: Duration::from_millis(0),
            reason: "gated by L02".into(),
            notes: None,
            evidence: vec![],
            started_at: std::time::Duration::ZERO,
            observations: Vec::new(),
            failed_attempts: Vec::new(),
            jobs: Vec::new(),
        };
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
