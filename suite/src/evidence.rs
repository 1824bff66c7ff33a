//! The run folder `<out>/<UTC timestamp>/` and every file the suite writes into it.
//!
//! Every write goes through the one redactor. A redaction is recorded as a leak naming the
//! variable and the file, and the scenario that captured it fails.

pub(crate) mod files;

use crate::model::secrets::{Redactor, REDACTED};
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// World-writable and sticky (`/tmp`): other users can create names in it.
pub(crate) fn is_shared(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| m.mode() & 0o1002 == 0o1002)
}

/// Refuses a symlink at `rel` or at any folder between the run folder and it: a write
/// never follows a link out of the run folder.
fn refuse_links(run_dir: &Path, rel: &str) -> Result<()> {
    let mut path = run_dir.to_owned();
    for part in rel.split('/') {
        path.push(part);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            bail!(
                "{} is a symlink; the suite never writes through links: remove it",
                path.display()
            );
        }
    }
    Ok(())
}

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
pub(crate) fn timestamp_id(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t)
        .to_string()
        .replace(':', "-")
}

#[derive(Clone)]
pub struct Evidence {
    pub run_id: String,
    pub dir: PathBuf,
    redactor: Redactor,
}

impl Evidence {
    /// Claims a new run folder under `out`. Two runs in the same second get `…Z-2`, `…Z-3`:
    /// `create_dir` is atomic, so concurrent runs never share a folder. Outputs never follow
    /// links: a symlink or any other non-folder at the run folder's path, or anything at its
    /// zip's path (`<out>/<run id>.zip`), is a setup error naming it. On a shared `out`
    /// (world-writable and sticky, like `/tmp`) the run folder is private (0700).
    pub fn create(out: &Path, redactor: Redactor) -> Result<Self> {
        std::fs::create_dir_all(out)
            .with_context(|| format!("creating the evidence folder {}", out.display()))?;
        let mut folder = std::fs::DirBuilder::new();
        if is_shared(out) {
            folder.mode(0o700);
        }
        let base = timestamp_id(SystemTime::now());
        for n in 1.. {
            let run_id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let dir = out.join(&run_id);
            let zip = out.join(format!("{run_id}.zip"));
            match std::fs::symlink_metadata(&zip) {
                // An earlier run's zip (same second): take the next name. The suite never
                // writes through it either way (the zip is linked into place, create-new).
                Ok(m) if m.file_type().is_file() => continue,
                Ok(_) => bail!(
                    "{} already exists and is not a regular file (a symlink?) where this run's \
                     zip goes; the suite never writes through links: remove it, or choose \
                     another --out",
                    zip.display()
                ),
                Err(_) => {}
            }
            match folder.create(&dir) {
                Ok(()) => {
                    return Ok(Evidence {
                        run_id,
                        dir,
                        redactor,
                    })
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    // Another run's folder (same second): take the next name. Anything else
                    // there (a symlink) is not ours to write into.
                    let real_dir = std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir());
                    if !real_dir {
                        bail!(
                            "{} already exists and is not a folder (a symlink?); the suite never \
                             writes through links: remove it, or choose another --out",
                            dir.display()
                        );
                    }
                    continue;
                }
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
    pub fn folder(&self, rel: &str) -> ScenarioDir {
        ScenarioDir {
            run_dir: self.dir.clone(),
            rel: rel.to_owned(),
            redactor: self.redactor.clone(),
            leaks: Vec::new(),
        }
    }

    /// Writes a run-level file (`summary.txt`, `junit.xml`) through the redactor.
    pub fn write(&self, rel: &str, content: &str) -> Result<Vec<Leak>> {
        write_redacted(&self.dir, rel, content, &self.redactor, Write::Replace)
    }

    /// Appends to a file (e.g. the rollback trigger note in a scenario's notes.txt).
    pub fn append(&self, rel: &str, content: &str) -> Result<Vec<Leak>> {
        write_redacted(&self.dir, rel, content, &self.redactor, Write::Append)
    }

    /// Removes a run-level file (one that would contradict how the run ended); a file that
    /// is not there is no error.
    pub fn remove(&self, rel: &str) -> Result<()> {
        refuse_links(&self.dir, rel)?;
        let path = self.dir.join(rel);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| format!("removing {}", path.display()))
            }
            _ => Ok(()),
        }
    }

    /// Files under `rel` (relative to the run folder, `/` separators, sorted).
    /// A retried scenario: moves what its first attempt wrote into `rel/attempt-1/` (files
    /// that went through the redactor already; nothing new is written).
    pub fn move_into_attempt_1(&self, rel: &str) -> Result<()> {
        let dir = self.dir.join(rel);
        let target = dir.join("attempt-1");
        std::fs::create_dir_all(&target)?;
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_name() != "attempt-1" {
                std::fs::rename(entry.path(), target.join(entry.file_name()))?;
            }
        }
        Ok(())
    }

    pub fn files_under(&self, rel: &str) -> Vec<String> {
        let mut out = Vec::new();
        collect_files(&self.dir, &self.dir.join(rel), &mut out);
        out
    }

    /// `manifest.json`: every file of the run folder with its size and sha256.
    pub fn write_manifest(&self) -> Result<()> {
        let mut entries = Vec::new();
        for rel in self.files_under("") {
            if rel == files::MANIFEST {
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
        self.write(files::MANIFEST, &serde_json::to_string_pretty(&doc)?)?;
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

/// What a write does to an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Write {
    Replace,
    Append,
}

fn write_redacted(
    run_dir: &Path,
    rel: &str,
    content: &str,
    redactor: &Redactor,
    how: Write,
) -> Result<Vec<Leak>> {
    let path = run_dir.join(rel);
    refuse_links(run_dir, rel)?;
    let parent = path
        .parent()
        .context("a file of the run folder has a folder")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let r = redactor.redact(content);
    use std::io::Write as _;
    if how == Write::Append {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        f.write_all(r.text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    } else {
        // A new file (O_EXCL) beside it, renamed over it: the rename replaces whatever is at
        // the path and never writes through it.
        let mut tmp = tempfile::NamedTempFile::new_in(parent)
            .with_context(|| format!("creating a file in {}", parent.display()))?;
        tmp.write_all(r.text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        tmp.persist(&path)
            .with_context(|| format!("writing {}", path.display()))?;
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
pub struct ScenarioDir {
    run_dir: PathBuf,
    pub rel: String,
    redactor: Redactor,
    pub leaks: Vec<Leak>,
}

impl ScenarioDir {
    /// A sub-folder (`setup/`, `before/`); its leaks are the caller's to merge.
    pub fn child(parent: &ScenarioDir, name: &str) -> ScenarioDir {
        ScenarioDir {
            run_dir: parent.run_dir.clone(),
            rel: format!("{}/{name}", parent.rel),
            redactor: parent.redactor.clone(),
            leaks: Vec::new(),
        }
    }

    /// Writes `name` (a plan file name) through the redactor.
    pub fn write(&mut self, name: &str, content: &str) -> Result<()> {
        let rel = format!("{}/{name}", self.rel);
        let leaks = write_redacted(&self.run_dir, &rel, content, &self.redactor, Write::Replace)?;
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
mod tests;
