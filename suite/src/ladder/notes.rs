//! A scenario's conclusion: its `notes.txt` (why it failed, or a passing scenario's note and
//! earlier attempts) and its outcome; and the `attempt-1/` move of a retried scenario.

use super::{Ctx, Scenario};
use crate::evidence::Evidence;
use crate::outcome::{Attempt, Problem, ScenarioOutcome, ScenarioResult, Verdict};

/// The outcome of a scenario that ran (timing filled by the caller); writes notes.txt.
pub(super) fn conclude(
    ctx: &mut Ctx,
    ev: &Evidence,
    s: &Scenario,
    rel: &str,
    result: ScenarioResult,
    failed: &[Attempt],
) -> ScenarioOutcome {
    let attempts = ctx.settings.retries + 1;
    let (verdict, reason, notes) = match result {
        Ok(pass) => {
            let mut note = pass.note.unwrap_or_default();
            if !failed.is_empty() {
                let earlier: Vec<String> = failed
                    .iter()
                    .map(|a| format!("attempt {}: {} {}", a.number, a.verdict.as_str(), a.reason))
                    .collect();
                note.push_str(&format!(
                    "passed on attempt {} after retries (each attempt's evidence is in \
                     attempt-<k>/):\n{}\n",
                    failed.len() + 1,
                    earlier.join("\n")
                ));
            }
            let notes = (!note.is_empty())
                .then(|| format!("scenario: {} {}\nverdict: PASS\n{note}\n", s.id, s.title));
            (Verdict::Pass, pass.reason, notes)
        }
        Err(p) => {
            let verdict = Verdict::from(p.kind);
            let notes = failure_notes(s, verdict, &p, attempts);
            (verdict, p.reason, Some(notes))
        }
    };
    let recorded = std::mem::take(&mut ctx.recorded);
    let notes = with_observations(notes, s, verdict, &recorded.observations);
    if let Some(n) = &notes {
        if let Err(e) = ev.append(&format!("{rel}/notes.txt"), n) {
            ctx.events
                .line(format!("{}: could not write notes.txt: {e:#}", s.id));
        }
    }
    let redact = |t: &str| ev.redactor().redact(t).text;
    let mut o = ScenarioOutcome::new(s.id, s.title, s.suite, verdict, redact(&reason));
    o.notes = notes.map(|n| redact(&n));
    o.evidence = ev.files_under(rel);
    o.observations = recorded.observations.iter().map(|t| redact(t)).collect();
    o.jobs = recorded.jobs;
    o
}

/// Observations go into notes.txt too, under the scenario's verdict.
fn with_observations(
    notes: Option<String>,
    s: &Scenario,
    verdict: Verdict,
    observations: &[String],
) -> Option<String> {
    if observations.is_empty() {
        return notes;
    }
    let mut n = notes.unwrap_or_else(|| {
        format!(
            "scenario: {} {}\nverdict: {}\n",
            s.id,
            s.title,
            verdict.as_str()
        )
    });
    n.push_str("observations (beyond the plan's acceptance; failures under --strict):\n");
    for text in observations {
        n.push_str(&format!("[observation] {}: {text}\n", s.id));
    }
    Some(n)
}

fn failure_notes(s: &Scenario, verdict: Verdict, p: &Problem, attempts: u32) -> String {
    let mut n = format!(
        "scenario: {} {}\nverdict: {}\nobserved: {}\nexpected: {}\nsuspected root cause: {}\nwhere to look: {}\n",
        s.id,
        s.title,
        verdict.as_str(),
        p.reason,
        p.expected.as_deref().unwrap_or(s.acceptance),
        p.suspected.as_deref().unwrap_or("see observed; compare with the plan's expectation"),
        p.look.as_deref().unwrap_or("the other evidence files in this folder, logs.txt"),
    );
    if attempts > 1 {
        n.push_str(&format!(
            "attempts: {attempts} (each attempt's evidence is in attempt-<k>/)\n"
        ));
    }
    n
}
