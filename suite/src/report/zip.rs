//! `<out>/<run id>.zip`: the whole run folder under `<run id>/`, relative paths, sorted
//! (stable order), fixed timestamps, never a `.env*` file or a workspace.

use crate::secrets::Redactor;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Whether a run-relative path may go into the zip.
pub fn allowed(rel: &str) -> bool {
    rel.split('/')
        .all(|part| !part.starts_with(".env") && part != "workspaces" && part != "workspace")
}

/// Zips `files` (relative to `run_dir`, already sorted) into `zip_path`. The bytes go
/// through the redactor once more: a zip never carries a secret value.
pub fn write(
    run_dir: &Path,
    run_id: &str,
    files: &[String],
    zip_path: &Path,
    redactor: &Redactor,
) -> Result<Vec<String>> {
    // Written under a new temporary name (O_EXCL) beside it, then linked to its name: the
    // link fails on any existing path (a symlink included), so the zip never writes through
    // or over one, and it appears complete or not at all.
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
    let mut zip = ZipWriter::new(file);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut names = Vec::new();
    for rel in files.iter().filter(|r| allowed(r)) {
        let bytes = std::fs::read(run_dir.join(rel)).with_context(|| format!("reading {rel}"))?;
        let (bytes, _) = redactor.redact_bytes(&bytes);
        let name = format!("{run_id}/{rel}");
        zip.start_file(name.as_str(), options)
            .with_context(|| format!("adding {name} to the zip"))?;
        zip.write_all(&bytes)?;
        names.push(name);
    }
    zip.finish()
        .with_context(|| format!("finishing {}", zip_path.display()))?;
    std::fs::hard_link(tmp.path(), zip_path).with_context(|| {
        format!(
            "creating {} (the suite never writes through an existing path or a symlink: \
             remove it)",
            zip_path.display()
        )
    })?;
    Ok(names)
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
