//! The evidence the plan requires of each live scenario (its "Evidence:" lines and section
//! 5): the files a scenario that passed leaves in its folder; one that failed or errored
//! leaves at least its `notes.txt` (section 4: "capture evidence, add notes.txt"). The
//! files are in `live/<id>/`, or in its last `attempt-<k>/` when the scenario was retried;
//! `notes.txt`, the scenario's conclusion over all its attempts, is always in `live/<id>/`.

use crate::evidence::files::NOTES;
use std::collections::BTreeMap;

/// The plan's evidence files of each live scenario.
pub(super) const PLAN_EVIDENCE: [(&str, &[&str]); 8] = [
    (
        "L01",
        &[
            "response.json",
            "project_id.txt",
            "result.json",
            "result_excerpt.txt",
        ],
    ),
    (
        "L02",
        &[
            "response.json",
            "result.json",
            "result_excerpt.txt",
            "files.json",
        ],
    ),
    ("L03", &["files.json"]),
    ("L04", &["app.json", "status.txt"]),
    (
        "L05",
        &["response.json", "result.json", "result_excerpt.txt"],
    ),
    (
        "L06",
        &[
            "response.json",
            "result.json",
            "result_excerpt.txt",
            "app.json",
        ],
    ),
    (
        "L07",
        &[
            "response.json",
            "project_id.txt",
            "result.json",
            "result_excerpt.txt",
            NOTES,
        ],
    ),
    (
        "L08",
        &[
            "response.json",
            "project_id.txt",
            "result.json",
            "result_excerpt.txt",
        ],
    ),
];

/// The files the plan requires of the scenarios that ran (`verdicts`: id → verdict) and
/// that `files` lacks, one line each.
pub(super) fn missing<V>(
    verdicts: &[(String, String)],
    files: &BTreeMap<String, V>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (id, verdict) in verdicts {
        let Some((_, plan)) = PLAN_EVIDENCE.iter().find(|(p, _)| p == id) else {
            continue;
        };
        let wanted: &[&str] = match verdict.as_str() {
            "PASS" => plan,
            "FAIL" | "ERROR" => &[NOTES],
            _ => &[],
        };
        let last = final_folder(id, files);
        for file in wanted {
            let folder = if *file == NOTES {
                format!("live/{id}")
            } else {
                last.clone()
            };
            let rel = format!("{folder}/{file}");
            if !files.contains_key(&rel) {
                out.push(format!(
                    "{rel}: missing: the plan requires it of {id} ({verdict})"
                ));
            }
        }
    }
    out
}

/// The folder of a live scenario's final attempt: its last `attempt-<k>/`, else its own.
fn final_folder<V>(id: &str, files: &BTreeMap<String, V>) -> String {
    let base = format!("live/{id}");
    let prefix = format!("{base}/attempt-");
    files
        .keys()
        .filter_map(|rel| {
            rel.strip_prefix(&prefix)?
                .split_once('/')?
                .0
                .parse::<u32>()
                .ok()
        })
        .max()
        .map_or(base.clone(), |k| format!("{base}/attempt-{k}"))
}
