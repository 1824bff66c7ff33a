//! Fixed paths for CI that does not glob a timestamped folder: `--junit`, `--report-html`
//! and `--zip` copies of the run's files (the run folder stays), and `<out>/latest`, the
//! newest run's id. Each is written whole under a new name beside its place, then renamed
//! over it: a reader never sees half a file, and a path that is a folder is refused.

use crate::evidence::{files, Evidence};
use crate::model::outcome::RunReport;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a run's reports are copied to, besides the run folder.
#[derive(Debug, Clone, Default)]
pub(crate) struct Copies {
    pub(crate) junit: Option<PathBuf>,
    pub(crate) report_html: Option<PathBuf>,
    pub(crate) zip: Option<PathBuf>,
}

/// The file `latest` in `--out`: the id of the newest run that wrote its reports.
pub(crate) const LATEST: &str = "latest";

/// Copies each report a flag names, then writes `<out>/latest`.
pub(crate) fn write(ev: &Evidence, report: &RunReport, to: &Copies) -> Result<()> {
    for (flag, from, dest) in [
        ("--junit", ev.dir.join(files::JUNIT), &to.junit),
        (
            "--report-html",
            ev.dir.join(files::REPORT_HTML),
            &to.report_html,
        ),
        ("--zip", report.zip_path.clone(), &to.zip),
    ] {
        if let Some(dest) = dest {
            let bytes = std::fs::read(&from)
                .with_context(|| format!("{flag}: reading {}", from.display()))?;
            replace(dest, &bytes).with_context(|| {
                format!(
                    "{flag} {}: the copy of {} (fix: name a file in a folder you can write)",
                    dest.display(),
                    from.display()
                )
            })?;
        }
    }
    if let Some(out) = ev.dir.parent() {
        replace(&out.join(LATEST), format!("{}\n", ev.run_id).as_bytes())
            .with_context(|| format!("writing {}", out.join(LATEST).display()))?;
    }
    Ok(())
}

/// `bytes` at `dest`, whole or not at all: a new file beside it (its folder made when
/// missing), renamed over it.
fn replace(dest: &Path, bytes: &[u8]) -> Result<()> {
    let folder = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    if dest.is_dir() {
        anyhow::bail!("{} is a folder", dest.display());
    }
    let mut tmp = tempfile::NamedTempFile::new_in(&folder)
        .with_context(|| format!("creating a file in {}", folder.display()))?;
    tmp.write_all(bytes).context("writing the copy")?;
    tmp.persist(dest).context("putting the copy in place")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_replace_whole_files_and_a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("ci/out/junit.xml");
        replace(&dest, b"first").unwrap();
        replace(&dest, b"second").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dest.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1, "a temporary file is left");
        let e = format!("{:#}", replace(dir.path(), b"x").unwrap_err());
        assert!(e.contains("is a folder"), "{e}");
    }
}
