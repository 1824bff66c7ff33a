//! A run's evidence as `verify` reads it: every file of a zip or a run folder, by its path
//! in the run folder, read within bounds. The input is untrusted like an answer of the
//! target: no entry is followed out of the run, no more than the limits below reach memory,
//! and what is odd about an entry (a link, a path that climbs out, a second run folder) is a
//! problem to report, not a reason to stop.

use crate::sys::bounded_read;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::Path;

/// The most files a run's evidence holds (a run writes about a hundred).
pub(super) const MAX_FILES: usize = 10_000;
/// The largest file read (the backend's logs of one scenario are kept to 4 MiB).
pub(super) const FILE_LIMIT: u64 = 64 << 20;
/// All files together.
pub(super) const TOTAL_LIMIT: u64 = 512 << 20;

/// The files of one run, by their path in the run folder (`/` separators), and what was
/// wrong with the container itself.
#[derive(Debug, Default)]
pub(super) struct Bundle {
    /// The run folder's name: the zip's top folder, or the folder given.
    pub run_id: String,
    pub files: BTreeMap<String, Vec<u8>>,
    /// Entries that are not plain files of the run folder, one line each.
    pub problems: Vec<String>,
}

/// Reads a run's zip (`<run id>/…` entries) or its folder. An error when the input cannot
/// be read at all or breaks a limit (exit 2).
pub(super) fn read(path: &Path) -> Result<Bundle> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.is_dir() {
        read_dir(path)
    } else {
        read_zip(path)
    }
}

/// Whether a path inside the run climbs out of it or is not a plain relative path.
fn escapes(rel: &str) -> bool {
    rel.is_empty()
        || rel.starts_with('/')
        || rel.contains('\\')
        || rel
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
}

/// Keeps a count and a total within the limits.
struct Budget {
    files: usize,
    bytes: u64,
}

impl Budget {
    fn take(&mut self, size: u64, what: &str) -> Result<()> {
        self.files += 1;
        self.bytes = self.bytes.saturating_add(size);
        if self.files > MAX_FILES {
            bail!("{what}: more than {MAX_FILES} files: this is not one run's evidence");
        }
        if self.bytes > TOTAL_LIMIT {
            bail!(
                "{what}: more than {} MiB in all: this is not one run's evidence",
                TOTAL_LIMIT >> 20
            );
        }
        Ok(())
    }
}

fn read_zip(path: &Path) -> Result<Bundle> {
    let file = bounded_read::open_regular(path)?;
    let mut zip = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a readable zip", path.display()))?;
    if zip.len() > MAX_FILES {
        bail!(
            "{} holds {} entries, more than {MAX_FILES}: this is not one run's evidence",
            path.display(),
            zip.len()
        );
    }
    let names: Vec<String> = zip.file_names().flatten().map(|n| n.into_owned()).collect();
    let mut bundle = Bundle::default();
    let mut budget = Budget { files: 0, bytes: 0 };
    for name in names {
        if name.ends_with('/') {
            continue;
        }
        let Some((top, rel)) = name.split_once('/') else {
            bundle
                .problems
                .push(format!("{name}: an entry outside the run's folder"));
            continue;
        };
        if bundle.run_id.is_empty() {
            bundle.run_id = top.to_owned();
        }
        if top != bundle.run_id || escapes(rel) {
            bundle.problems.push(format!(
                "{name}: an entry outside the run folder {}/",
                bundle.run_id
            ));
            continue;
        }
        if entry_is_link(&mut zip, &name) {
            bundle.problems.push(format!("{name}: a symbolic link"));
            continue;
        }
        let bytes = bounded_read::zip_entry(&mut zip, &name, FILE_LIMIT, path)?;
        budget.take(bytes.len() as u64, &path.display().to_string())?;
        if bundle.files.insert(rel.to_owned(), bytes).is_some() {
            bundle.problems.push(format!("{name}: in the zip twice"));
        }
    }
    Ok(bundle)
}

/// Whether a zip entry is stored as a symbolic link (its Unix mode says so).
fn entry_is_link<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> bool {
    const S_IFMT: u32 = 0o170_000;
    const S_IFLNK: u32 = 0o120_000;
    zip.by_name(name)
        .ok()
        .and_then(|e| e.unix_mode())
        .is_some_and(|mode| mode & S_IFMT == S_IFLNK)
}

fn read_dir(dir: &Path) -> Result<Bundle> {
    let mut bundle = Bundle {
        run_id: dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        ..Bundle::default()
    };
    let mut budget = Budget { files: 0, bytes: 0 };
    let mut pending = vec![String::new()];
    while let Some(rel_dir) = pending.pop() {
        let here = dir.join(&rel_dir);
        let entries =
            std::fs::read_dir(&here).with_context(|| format!("reading {}", here.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("reading {}", here.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel_dir.is_empty() {
                name
            } else {
                format!("{rel_dir}/{name}")
            };
            let kind = entry
                .file_type()
                .with_context(|| format!("reading {}", entry.path().display()))?;
            if kind.is_dir() {
                pending.push(rel);
            } else if kind.is_symlink() {
                bundle.problems.push(format!("{rel}: a symbolic link"));
            } else if !kind.is_file() {
                bundle.problems.push(format!("{rel}: not a regular file"));
            } else {
                let bytes = bounded_read::read(&entry.path(), FILE_LIMIT)?;
                budget.take(bytes.len() as u64, &dir.display().to_string())?;
                bundle.files.insert(rel, bytes);
            }
        }
    }
    Ok(bundle)
}
