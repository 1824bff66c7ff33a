//! The run folder `<out>/<UTC timestamp>/` and every file the suite writes into it.
//!
//! Every write goes through the one redactor. A redaction is recorded as a leak naming the
//! variable and the file, and the scenario that captured it fails.

use crate::secrets::{Redactor, REDACTED};
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

/// A secret value found (and replaced) while writing evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub var: &'static str,
    /// Relative to the run folder.
    pub file: String,
}

impl std::fmt::Display for Leak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the value of {} was captured in {} (replaced by {REDACTED})",
            self.var, self.file
        )
    }
}

/// `2025-11-14T17-14-05Z`: ISO-8601 UTC without colons (they break artifact uploads and
/// Windows checkouts).
pub fn timestamp_id(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t)
        .to_string()
        .replace(':', "-")
}

pub struct Evidence {
    pub run_id: String,
    pub dir: PathBuf,
    /// When the run folder was claimed: the run's time origin (scenario offsets, timeline).
    pub started: Instant,
    pub started_wall: SystemTime,
    redactor: Redactor,
}

impl Evidence {
    /// Claims a new run folder under `out`. Two runs in the same second get `…Z-2`, `…Z-3`:
    /// `create_dir` is atomic, so concurrent runs never share a folder.
    pub fn create(out: &Path, redactor: Redactor) -> Result<Self> {
        std::fs::create_dir_all(out)
            .with_context(|| format!("creating the evidence folder {}", out.display()))?;
        let started_wall = SystemTime::now();
        let started = Instant::now();
        let base = timestamp_id(started_wall);
        for n in 1.. {
            let run_id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let dir = out.join(&run_id);
            match std::fs::create_dir(&dir) {
                Ok(()) => {
                    return Ok(Evidence {
                        run_id,
                        dir,
                        started,
                        started_wall,
                        redactor,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("creating {}", dir.display()));
                }
            }
        }
        unreachable!()
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// A folder for one scenario (or attempt), e.g. `live/L01`.
    pub fn folder(&self, rel: &str) -> Folder {
        Folder {
            run_dir: self.dir.clone(),
            rel: rel.to_owned(),
            redactor: self.redactor.clone(),
            leaks: Vec::new(),
            run_started: self.started,
            jobs: Vec::new(),
        }
    }

    /// Writes a run-level file (`summary.txt`, `junit.xml`) through the redactor.
    pub fn write(&self, rel: &str, content: &str) -> Result<Vec<Leak>> {
        write_redacted(&self.dir, rel, content, &self.redactor, false)
    }

    /// Appends to a file (e.g. the rollback trigger note in a scenario's notes.txt).
    pub fn append(&self, rel: &str, content: &str) -> Result<Vec<Leak>> {
        write_redacted(&self.dir, rel, content, &self.redactor, true)
    }

    /// Files under `rel` (relative to the run folder, `/` separators, sorted).
    pub fn files_under(&self, rel: &str) -> Vec<String> {
        let mut out = Vec::new();
        collect_files(&self.dir, &self.dir.join(rel), &mut out);
        out
    }

    /// `manifest.json`: every file of the run folder with its size and sha256.
    pub fn write_manifest(&self) -> Result<()> {
        let mut entries = Vec::new();
        for rel in self.files_under("") {
            if rel == "manifest.json" {
                continue;
            }
            let bytes = std::fs::read(self.dir.join(&rel))
                .with_context(|| format!("reading {rel} for the manifest"))?;
            let sha: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            entries.push(serde_json::json!({"path": rel, "size": bytes.len(), "sha256": sha}));
        }
        let doc = serde_json::json!({"run_id": self.run_id, "files": entries});
        self.write("manifest.json", &serde_json::to_string_pretty(&doc)?)?;
        Ok(())
    }
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            collect_files(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            let parts: Vec<_> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect();
            out.push(parts.join("/"));
        }
    }
}

fn write_redacted(
    run_dir: &Path,
    rel: &str,
    content: &str,
    redactor: &Redactor,
    append: bool,
) -> Result<Vec<Leak>> {
    let path = run_dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let r = redactor.redact(content);
    if append {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        f.write_all(r.text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    } else {
        std::fs::write(&path, r.text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(r.found
        .into_iter()
        .map(|var| Leak {
            var,
            file: rel.to_owned(),
        })
        .collect())
}

/// One scenario's (or attempt's) folder. Remembers every secret it had to redact.
pub struct Folder {
    run_dir: PathBuf,
    pub rel: String,
    redactor: Redactor,
    pub leaks: Vec<Leak>,
    run_started: Instant,
    /// The jobs submitted while this folder was written (the HTML timeline).
    pub jobs: Vec<crate::report::JobMark>,
}

impl Folder {
    /// A sub-folder (`setup/`, `before/`); its leaks and jobs are the caller's to merge.
    pub fn child(parent: &Folder, name: &str) -> Folder {
        Folder {
            run_dir: parent.run_dir.clone(),
            rel: format!("{}/{name}", parent.rel),
            redactor: parent.redactor.clone(),
            leaks: Vec::new(),
            run_started: parent.run_started,
            jobs: Vec::new(),
        }
    }

    /// Now, as an offset from the start of the run.
    pub fn since_run_start(&self) -> std::time::Duration {
        self.run_started.elapsed()
    }

    /// Writes `name` (a plan file name) through the redactor.
    pub fn write(&mut self, name: &str, content: &str) -> Result<()> {
        let rel = format!("{}/{name}", self.rel);
        let leaks = write_redacted(&self.run_dir, &rel, content, &self.redactor, false)?;
        self.leaks.extend(leaks);
        Ok(())
    }

    /// Writes a body that should be JSON, pretty-printed when it parses (kept as is
    /// otherwise: evidence shows what the backend really sent).
    pub fn write_json(&mut self, name: &str, raw: &str) -> Result<()> {
        let pretty = serde_json::from_str::<serde_json::Value>(raw)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .map(|s| s + "\n");
        self.write(name, pretty.as_deref().unwrap_or(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secrets;

    #[test]
    fn run_folders_have_no_colons_and_never_collide() {
        let out = tempfile::tempdir().unwrap();
        let a = Evidence::create(out.path(), Redactor::default()).unwrap();
        let b = Evidence::create(out.path(), Redactor::default()).unwrap();
        let c = Evidence::create(out.path(), Redactor::default()).unwrap();
        for e in [&a, &b, &c] {
            assert!(!e.run_id.contains(':'), "{}", e.run_id);
            assert!(e.dir.is_dir());
        }
        assert!(a.run_id != b.run_id && b.run_id != c.run_id && a.run_id != c.run_id);
        // 2025-11-14T17-14-05Z
        let id = &a.run_id[..20];
        assert_eq!(id.len(), 20);
        assert!(id.ends_with('Z') && id.as_bytes()[10] == b'T' && id.as_bytes()[13] == b'-');
    }

    #[test]
    fn writes_are_redacted_and_leaks_name_the_variable_and_file() {
        let out = tempfile::tempdir().unwrap();
        let secrets =
            Secrets::from_lookup(|n| (n == "OPENAI_ORG_ID").then(|| "org-PLANTED-42".into()));
        let ev = Evidence::create(out.path(), secrets.redactor()).unwrap();
        let mut f = ev.folder("live/L01");
        f.write_json("result.json", r#"{"logs":["org=org-PLANTED-42"]}"#)
            .unwrap();
        f.write("status.txt", "200\n").unwrap();
        assert_eq!(
            f.leaks,
            [Leak {
                var: "OPENAI_ORG_ID",
                file: "live/L01/result.json".into()
            }]
        );
        assert!(
            f.leaks[0].to_string().contains("OPENAI_ORG_ID")
                && f.leaks[0].to_string().contains("live/L01/result.json")
        );
        let text = std::fs::read_to_string(ev.dir.join("live/L01/result.json")).unwrap();
        assert!(!text.contains("PLANTED") && text.contains("[REDACTED]"));
        ev.write_manifest().unwrap();
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(ev.dir.join("manifest.json")).unwrap())
                .unwrap();
        let files = m["files"].as_array().unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0]["path"], "live/L01/result.json");
        assert_eq!(files[1]["size"], 4);
        assert_eq!(files[1]["sha256"].as_str().unwrap().len(), 64);
    }
}
