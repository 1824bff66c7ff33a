//! `summary.txt` (and `mocked/RERUN/summary.txt`): scenario, verdict, duration, one-line
//! reason; the run's counts, observations included ("13 passed, 2 observations").

use super::text::escape_controls;
use crate::evidence::{files, Evidence};
use crate::model::outcome::{RunReport, ScenarioOutcome, Suite, Verdict};

/// Writes `summary.txt` (partial after a signal, with the comparison at its end when the
/// run was compared with a baseline).
pub(crate) fn write(ev: &Evidence, report: &RunReport) -> anyhow::Result<()> {
    let mut text = run_summary(report);
    if let Some(i) = &report.interrupted {
        text.push_str(&format!(
            "\n{}: a partial report; the scenarios after the interrupted one were not run\n",
            i.describe()
        ));
    }
    if let Some(against) = &report.comparison {
        text.push('\n');
        text.push_str(&against.render_text());
    }
    ev.write(files::SUMMARY, &escape_controls(&text))?;
    Ok(())
}

/// `<smoke_dir>/summary.txt` of a mocked smoke (`mocked/RERUN`, `mocked/SMOKE`): its
/// scenarios (nothing when the report names no such folder).
pub(crate) fn write_smoke(ev: &Evidence, report: &RunReport) -> anyhow::Result<()> {
    let Some(dir) = &report.smoke_dir else {
        return Ok(());
    };
    let smoke: Vec<&ScenarioOutcome> = report
        .outcomes
        .iter()
        .filter(|o| o.suite == Suite::MockedRerun)
        .collect();
    let all_pass = smoke.iter().all(|o| o.verdict == Verdict::Pass);
    let text = format!(
        "mocked smoke M01-M04: {}\n\n{}",
        if all_pass { "PASS" } else { "FAIL" },
        table(&smoke)
    );
    ev.write(
        &format!("{dir}/{}", files::SUMMARY),
        &escape_controls(&text),
    )?;
    Ok(())
}

/// A table row per outcome, aligned.
pub(crate) fn table(outcomes: &[&ScenarioOutcome]) -> String {
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
pub(crate) fn run_summary(r: &RunReport) -> String {
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
        crate::model::outcome::SUITE_VERSION,
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
