//! A scenario's conclusion: its `notes.txt` (why it failed, or a passing scenario's note and
//! earlier attempts) and its outcome; and the `attempt-1/` move of a retried scenario.

use super::{Ctx, Scenario};
use crate::evidence::Evidence;
use crate::model::outcome::{Attempt, Problem, ScenarioOutcome, ScenarioResult, Verdict};

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
        Err(mut p) => {
            let verdict = Verdict::from(p.kind);
            let has_logs = ev.files_under(rel).iter().any(|f| f.ends_with("/logs.txt"));
            p.look = Some(where_to_look(p.look.as_deref(), has_logs));
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

/// Where to look, naming only files that exist: without a logs.txt (a stack that cannot see
/// the backend's output, e.g. `--base-url`) the places that name it are left out and the
/// backend's own log is named instead.
fn where_to_look(look: Option<&str>, has_logs: bool) -> String {
    let look = look.unwrap_or("the other evidence files in this folder, logs.txt");
    if has_logs || !look.contains("logs.txt") {
        return look.to_owned();
    }
    let kept: Vec<&str> = look
        .split("; ")
        .flat_map(|part| part.split(", "))
        .map(|place| place.trim_start_matches("then "))
        .filter(|place| !place.contains("logs.txt"))
        .collect();
    let kept = if kept.is_empty() {
        "the other evidence files in this folder".to_owned()
    } else {
        kept.join(", ")
    };
    format!(
        "{kept}; the backend's output is not in the evidence (this stack does not capture \
         it): read it where the backend runs"
    )
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
        p.look.as_deref().unwrap_or_default(),
    );
    if attempts > 1 {
        n.push_str(&format!(
            "attempts: {attempts} (each attempt's evidence is in attempt-<k>/)\n"
        ));
    }
    n
}

#[cfg(test)]
mod tests {
    use super::where_to_look;

    #[test]
    fn where_to_look_names_logs_txt_only_when_it_exists() {
        let look = "the job's error (GET /jobs/{id}), logs.txt, the workspace's .codex/";
        assert_eq!(where_to_look(Some(look), true), look);
        let without = where_to_look(Some(look), false);
        assert!(without.starts_with("the job's error (GET /jobs/{id}), the workspace's .codex/; "));
        for look in [
            Some("logs.txt in this folder (backend output)"),
            Some("logs.txt in this folder; raise --poll-timeout if the job is just slow"),
            Some("logs.txt in this folder (backend output), then the stack's status"),
            None,
        ] {
            let without = where_to_look(look, false);
            assert!(!without.contains("logs.txt"), "{without}");
            assert!(
                without.contains("read it where the backend runs"),
                "{without}"
            );
        }
        assert!(where_to_look(None, true).ends_with("logs.txt"));
        assert_eq!(where_to_look(Some("result.json"), false), "result.json");
    }
}
