//! `run.json`: the record of a run that a later run is compared against, and how it is
//! read back from a run folder, the file itself, or the run's zip.

use crate::model::outcome::RunReport;
use crate::sys::bounded_read::{self, RUN_JSON_LIMIT};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

use crate::evidence::files::RUN_JSON;

/// The format version written into `run.json`; `read` refuses other versions.
pub(super) const FORMAT: u32 = 1;

/// `run.json`: what another run is compared against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RunRecord {
    pub format: u32,
    pub run_id: String,
    pub stack: String,
    pub commit: String,
    /// The target profile (what the backend said about itself), when known.
    #[serde(default)]
    pub target: Option<serde_json::Value>,
    /// The settings that change timings or verdicts (`--poll-timeout`, `--long-run-seconds`,
    /// …); empty in a record of a suite that did not write them.
    #[serde(default)]
    pub settings: std::collections::BTreeMap<String, String>,
    pub scenarios: Vec<ScenarioRecord>,
    /// The exit code the run ended with had every report been written
    /// (`RunReport::exit_code`); absent in a record of a suite that did not write it.
    #[serde(default)]
    pub exit_code: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ScenarioRecord {
    pub id: String,
    /// `PASS`, `FAIL`, `ERROR`, `SKIP`.
    pub verdict: String,
    pub duration_secs: f64,
    #[serde(default)]
    pub observations: Vec<String>,
}

impl RunRecord {
    pub(crate) fn from_report(r: &RunReport) -> Self {
        RunRecord {
            format: FORMAT,
            run_id: r.run_id.clone(),
            stack: r.stack.clone(),
            commit: r.git_commit.clone(),
            target: r.target.clone(),
            settings: r.settings.clone(),
            exit_code: Some(r.exit_code()),
            scenarios: r
                .outcomes
                .iter()
                .map(|o| ScenarioRecord {
                    id: o.id.clone(),
                    verdict: o.verdict.as_str().to_owned(),
                    duration_secs: o.duration.as_secs_f64(),
                    observations: o.observations.clone(),
                })
                .collect(),
        }
    }

    /// Writes `run.json` into the run folder through the evidence writer (the redactor).
    pub(crate) fn write(&self, ev: &crate::evidence::Evidence) -> Result<()> {
        let text = serde_json::to_string_pretty(self).context("serializing run.json")?;
        ev.write(RUN_JSON, &(text + "\n"))?;
        Ok(())
    }

    /// Reads a run's record from its folder, its `run.json`, or its zip: regular files only,
    /// at most [`RUN_JSON_LIMIT`] bytes of record.
    pub(crate) fn read(path: &Path) -> Result<Self> {
        let text = if path.is_dir() {
            let f = path.join(RUN_JSON);
            bounded_read::read_text(&f, RUN_JSON_LIMIT).with_context(|| {
                format!(
                    "reading {}: is {} a run folder of a live-suite that writes run.json?",
                    f.display(),
                    path.display()
                )
            })?
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        {
            read_from_zip(path)?
        } else {
            bounded_read::read_text(path, RUN_JSON_LIMIT)
                .with_context(|| format!("reading the run record {}", path.display()))?
        };
        let record: RunRecord = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid run.json", path.display()))?;
        if record.format != FORMAT {
            bail!(
                "{}: run.json format {} is not supported (this suite reads format {FORMAT}); \
                 compare runs recorded by the same suite version",
                path.display(),
                record.format
            );
        }
        Ok(record)
    }
}

/// The zip holds `<run id>/run.json` (whatever the zip file is named now: CI keeps the last
/// main run as e.g. `main-latest.zip`).
fn read_from_zip(path: &Path) -> Result<String> {
    let file = bounded_read::open_regular(path)?;
    let mut zip = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a readable zip", path.display()))?;
    let is_record = |n: &str| {
        n == RUN_JSON
            || n.strip_suffix(RUN_JSON)
                .and_then(|dir| dir.strip_suffix('/'))
                .is_some_and(|dir| !dir.is_empty() && !dir.contains('/'))
    };
    let name = zip
        .file_names()
        .flatten()
        .find(|n| is_record(n))
        .map(|n| n.into_owned())
        .with_context(|| {
            format!(
                "{} holds no <run id>/{RUN_JSON}: it was written by a suite without run \
                 records, or it is not a live-suite zip",
                path.display()
            )
        })?;
    let bytes = bounded_read::zip_entry(&mut zip, &name, RUN_JSON_LIMIT, path)?;
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{name} in {} is not UTF-8 text", path.display()))
}
