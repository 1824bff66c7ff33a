//! `verify`: whether a run's evidence (its zip or folder) is what the run wrote, offline.
//!
//! - every `manifest.json` entry is there with its size and sha256, and nothing else is
//!   (the manifest aside);
//! - `run.json`, `junit.xml` and `summary.txt` tell the same verdict for every scenario, and
//!   the exit code `run.json` records is the one they give (`verdicts.rs`);
//! - each live scenario that ran left the evidence the plan requires (`required.rs`);
//! - with a commit, the run tested that commit; with secrets, no entry holds one in any form
//!   the run's redactor knows.
//!
//! Every check runs and each problem is one line; reading the input is bounded
//! (`bundle.rs`) and fails only when it cannot be read at all.

mod bundle;
mod required;
mod verdicts;

use crate::compare::RunRecord;
use crate::evidence::files;
use crate::model::secrets::Redactor;
use anyhow::Result;
use bundle::Bundle;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::Path;
pub(crate) use verdicts::shown;

/// What to hold the evidence to beyond itself.
#[derive(Default)]
pub struct Expect {
    /// The commit the run must have tested (a prefix of at least 7 hex digits will do).
    pub commit: Option<String>,
    /// Scan every file for these secrets, in every form the run's redactor knows.
    pub secrets: Option<Redactor>,
}

/// What `verify` found.
#[derive(Debug)]
pub struct Verified {
    pub run_id: String,
    pub files: usize,
    pub scenarios: usize,
    /// One line each; none: the evidence is sound.
    pub problems: Vec<String>,
}

/// Reads the zip or run folder at `path` and checks it (see the module's text). An error
/// only when it cannot be read (exit 2).
pub fn verify(path: &Path, expect: &Expect) -> Result<Verified> {
    let bundle = bundle::read(path)?;
    Ok(check(&bundle, expect))
}

/// Every check of a read bundle, in order.
fn check(bundle: &Bundle, expect: &Expect) -> Verified {
    let mut problems = bundle.problems.clone();
    problems.extend(manifest(bundle));
    let record = text(bundle, files::RUN_JSON, &mut problems).and_then(|t| {
        match serde_json::from_str::<RunRecord>(&t) {
            Ok(r) => Some(r),
            Err(e) => {
                problems.push(format!("{}: not a run record: {e}", files::RUN_JSON));
                None
            }
        }
    });
    let mut scenarios = 0;
    if let Some(record) = &record {
        let told = verdicts::from_record(record);
        scenarios = told.len();
        problems.extend(agreement(bundle, record, &told));
        problems.extend(required::missing(&told, &bundle.files));
        if let Some(want) = &expect.commit {
            problems.extend(commit(&record.commit, want));
        }
    }
    if let Some(redactor) = &expect.secrets {
        problems.extend(secrets(bundle, redactor));
    }
    Verified {
        run_id: bundle.run_id.clone(),
        files: bundle.files.len(),
        scenarios,
        problems,
    }
}

/// A file of the bundle as UTF-8 text; its absence or another encoding is a problem.
fn text(bundle: &Bundle, rel: &str, problems: &mut Vec<String>) -> Option<String> {
    let Some(bytes) = bundle.files.get(rel) else {
        problems.push(format!("{rel}: missing"));
        return None;
    };
    match String::from_utf8(bytes.clone()) {
        Ok(t) => Some(t),
        Err(_) => {
            problems.push(format!("{rel}: not UTF-8 text"));
            None
        }
    }
}

#[derive(Deserialize)]
struct Manifest {
    run_id: String,
    files: Vec<ManifestEntry>,
}

#[derive(Deserialize)]
struct ManifestEntry {
    path: String,
    size: u64,
    sha256: String,
}

/// Every manifest entry present with its size and sha256; no file it does not list.
fn manifest(bundle: &Bundle) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(text) = text(bundle, files::MANIFEST, &mut problems) else {
        return problems;
    };
    let m: Manifest = match serde_json::from_str(&text) {
        Ok(m) => m,
        Err(e) => return vec![format!("{}: not a manifest: {e}", files::MANIFEST)],
    };
    if m.run_id != bundle.run_id {
        problems.push(format!(
            "{}: names run {}, but the evidence is run {}",
            files::MANIFEST,
            shown(&m.run_id),
            shown(&bundle.run_id)
        ));
    }
    let mut listed = std::collections::BTreeSet::new();
    for e in &m.files {
        listed.insert(e.path.as_str());
        let Some(bytes) = bundle.files.get(&e.path) else {
            problems.push(format!(
                "{}: listed in the manifest, missing",
                shown(&e.path)
            ));
            continue;
        };
        if bytes.len() as u64 != e.size {
            problems.push(format!(
                "{}: {} bytes, the manifest says {}",
                shown(&e.path),
                bytes.len(),
                e.size
            ));
        } else if hex_sha256(bytes) != e.sha256 {
            problems.push(format!(
                "{}: its sha256 is not the manifest's: the file was changed",
                shown(&e.path)
            ));
        }
    }
    for rel in bundle.files.keys() {
        if rel != files::MANIFEST && !listed.contains(rel.as_str()) {
            problems.push(format!("{}: not in the manifest: added", shown(rel)));
        }
    }
    problems
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// junit.xml and summary.txt against run.json, and the exit code run.json records.
fn agreement(bundle: &Bundle, record: &RunRecord, told: &verdicts::Verdicts) -> Vec<String> {
    let mut problems = Vec::new();
    let junit = text(bundle, files::JUNIT, &mut problems)
        .and_then(|x| verdicts::from_junit(&x).map_err(|e| problems.push(e)).ok());
    let summary = text(bundle, files::SUMMARY, &mut problems).map(|t| verdicts::from_summary(&t));
    let mut others = Vec::new();
    if let Some((junit, unwritten)) = &junit {
        others.push((files::JUNIT, junit));
        problems.extend(unwritten.iter().map(|why| {
            format!(
                "{}: the run could not write every report: {}",
                files::JUNIT,
                shown(why)
            )
        }));
    }
    if let Some(summary) = &summary {
        others.push((files::SUMMARY, summary));
    }
    problems.extend(verdicts::disagreements(told, &others));
    match record.exit_code {
        Some(code) => problems.extend(verdicts::exit_code_problem(code, told)),
        None => problems.push(format!(
            "{}: records no exit code (written by an older suite?)",
            files::RUN_JSON
        )),
    }
    problems
}

/// The run tested `want` (the whole commit, or a prefix of at least 7 characters).
fn commit(recorded: &str, want: &str) -> Option<String> {
    let want = want.trim().to_ascii_lowercase();
    let recorded_l = recorded.to_ascii_lowercase();
    let matches = if want.len() >= 7 {
        recorded_l.starts_with(&want)
    } else {
        recorded_l == want
    };
    (!matches).then(|| {
        format!(
            "{}: the run tested commit {}, not {}",
            files::RUN_JSON,
            shown(recorded),
            shown(&want)
        )
    })
}

/// Every file scanned for the secrets (never printed: only the variable's name).
fn secrets(bundle: &Bundle, redactor: &Redactor) -> Vec<String> {
    let mut problems = Vec::new();
    for (rel, bytes) in &bundle.files {
        let (_, found) = redactor.redact_bytes(bytes);
        let mut names: Vec<&str> = found;
        names.sort_unstable();
        names.dedup();
        for name in names {
            problems.push(format!("{}: holds the value of {name}", shown(rel)));
        }
    }
    problems
}

#[cfg(test)]
mod tests;
