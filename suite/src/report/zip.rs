//! `<out>/<run id>.zip`: the whole run folder under `<run id>/`, relative paths, in the
//! order they are added (sorted, the files written last at the end), fixed timestamps, never
//! a `.env*` file or a workspace.

use crate::model::secrets::Redactor;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Whether a run-relative path may go into the zip.
pub(crate) fn allowed(rel: &str) -> bool {
    rel.split('/')
        .all(|part| !part.starts_with(".env") && part != "workspaces" && part != "workspace")
}

/// Zips `files` (relative to `run_dir`, already sorted) into `zip_path`. The bytes go
/// through the redactor once more: a zip never carries a secret value.
pub(crate) fn write(
    run_dir: &Path,
    run_id: &str,
    files: &[String],
    zip_path: &Path,
    redactor: &Redactor,
) -> Result<Vec<String>> {
    let mut zip = Pending::start(run_dir, run_id, zip_path)?;
    for rel in files {
        zip.add(rel, redactor)?;
    }
    zip.finish()
}

/// How a file is stored: a PNG is deflated already (deflating it again costs time and
/// saves nothing), every other file is deflated.
fn method(rel: &str) -> CompressionMethod {
    if rel.ends_with(".png") {
        CompressionMethod::Stored
    } else {
        CompressionMethod::Deflated
    }
}

/// A zip being written: files are added one by one (each read, redacted and deflated
/// then), and it gets its name once finished.
struct Pending {
    run_dir: PathBuf,
    run_id: String,
    zip_path: PathBuf,
    tmp: NamedTempFile,
    zip: ZipWriter<std::fs::File>,
    names: Vec<String>,
}

impl Pending {
    /// Starts the zip of `run_dir` that becomes `zip_path`. It is written under a new
    /// temporary name (O_EXCL) beside it, then linked to its name: the link fails on any
    /// existing path (a symlink included), so the zip never writes through or over one, and
    /// it appears complete or not at all.
    fn start(run_dir: &Path, run_id: &str, zip_path: &Path) -> Result<Pending> {
        let folder = zip_path.parent().context("the zip path has a folder")?;
        let tmp = tempfile::Builder::new()
            .prefix(".zip-")
            .tempfile_in(folder)
            .with_context(|| format!("creating a temporary zip in {}", folder.display()))?;
        if !crate::evidence::is_shared(folder) {
            // Private only where others could read it (a shared --out); else like any file.
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .context("setting the zip's mode")?;
        }
        let file = tmp.reopen().context("opening the temporary zip")?;
        Ok(Pending {
            run_dir: run_dir.to_owned(),
            run_id: run_id.to_owned(),
            zip_path: zip_path.to_owned(),
            tmp,
            zip: ZipWriter::new(file),
            names: Vec::new(),
        })
    }

    /// Adds the run's file `rel` (unless it may not go in), through `redactor`.
    fn add(&mut self, rel: &str, redactor: &Redactor) -> Result<()> {
        if !allowed(rel) {
            return Ok(());
        }
        let bytes =
            std::fs::read(self.run_dir.join(rel)).with_context(|| format!("reading {rel}"))?;
        let (bytes, _) = redactor.redact_bytes(&bytes);
        let name = format!("{}/{rel}", self.run_id);
        let options = SimpleFileOptions::default()
            .compression_method(method(rel))
            .last_modified_time(DateTime::default());
        self.zip
            .start_file(name.as_str(), options)
            .with_context(|| format!("adding {name} to the zip"))?;
        self.zip.write_all(&bytes)?;
        self.names.push(name);
        Ok(())
    }

    /// Finishes the zip and links it to its name; returns its entries in order.
    fn finish(self) -> Result<Vec<String>> {
        let zip_path = &self.zip_path;
        self.zip
            .finish()
            .with_context(|| format!("finishing {}", zip_path.display()))?;
        std::fs::hard_link(self.tmp.path(), zip_path).with_context(|| {
            format!(
                "creating {} (the suite never writes through an existing path or a symlink: \
                 remove it)",
                zip_path.display()
            )
        })?;
        Ok(self.names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files_and_workspaces_never_go_in() {
        assert!(allowed("live/L01/result.json"));
        assert!(allowed("junit.xml"));
        assert!(!allowed(".env.live"));
        assert!(!allowed("live/L01/.env"));
        assert!(!allowed("workspaces/p1/app.py"));
    }

    #[test]
    fn entries_are_relative_sorted_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("R");
        std::fs::create_dir_all(run.join("live/L01")).unwrap();
        std::fs::write(run.join("live/L01/a.txt"), "a").unwrap();
        std::fs::write(run.join(".env.live"), "OPENAI_API_KEY=x").unwrap();
        std::fs::write(run.join("junit.xml"), "<x/>").unwrap();
        let files = vec![
            ".env.live".to_string(),
            "junit.xml".into(),
            "live/L01/a.txt".into(),
        ];
        let zp = dir.path().join("R.zip");
        let names = write(&run, "R", &files, &zp, &Redactor::default()).unwrap();
        assert_eq!(names, ["R/junit.xml", "R/live/L01/a.txt"]);
        let mut z = zip::ZipArchive::new(std::fs::File::open(&zp).unwrap()).unwrap();
        assert_eq!(z.len(), 2);
        assert_eq!(z.by_index(1).unwrap().name().unwrap(), "R/live/L01/a.txt");
    }

    #[test]
    fn a_png_is_stored_as_it_is_and_text_deflated() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("R");
        std::fs::create_dir(&run).unwrap();
        std::fs::write(run.join("report.png"), b"\x89PNG\r\n\x1a\n....").unwrap();
        std::fs::write(run.join("summary.txt"), "PASS ".repeat(100)).unwrap();
        let zp = dir.path().join("R.zip");
        let files = ["report.png".to_string(), "summary.txt".into()];
        write(&run, "R", &files, &zp, &Redactor::default()).unwrap();
        let mut z = zip::ZipArchive::new(std::fs::File::open(&zp).unwrap()).unwrap();
        assert_eq!(
            z.by_name("R/report.png").unwrap().compression(),
            CompressionMethod::Stored
        );
        let text = z.by_name("R/summary.txt").unwrap();
        assert_eq!(text.compression(), CompressionMethod::Deflated);
        assert!(text.compressed_size() < text.size());
    }

    #[test]
    fn a_symlink_at_the_zip_path_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("R")).unwrap();
        let target = dir.path().join("precious");
        std::fs::write(&target, "keep me").unwrap();
        let zp = dir.path().join("R.zip");
        std::os::unix::fs::symlink(&target, &zp).unwrap();
        let err = format!(
            "{:#}",
            write(&dir.path().join("R"), "R", &[], &zp, &Redactor::default()).unwrap_err()
        );
        assert!(err.contains("R.zip"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
    }
}
