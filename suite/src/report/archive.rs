//! The archive: at the end of a run, `manifest.json` (every file with its size and sha256)
//! and `<out>/<run id>.zip` (see `zip`); the last report written, it seals the others.

use crate::evidence::files::{MANIFEST, REPORT_PNG as PNG};
use crate::evidence::Evidence;
use crate::model::outcome::RunReport;

/// Writes manifest.json, then the zip of the run folder: every file in order, report.png
/// and the manifest last.
pub(crate) fn write(ev: &Evidence, report: &RunReport) -> anyhow::Result<()> {
    ev.write_manifest()?;
    let mut files: Vec<String> = ev
        .files_under("")
        .into_iter()
        .filter(|rel| rel != PNG && rel != MANIFEST)
        .collect();
    if ev.dir.join(PNG).is_file() {
        files.push(PNG.into());
    }
    files.push(MANIFEST.into());
    super::zip::write(&ev.dir, &ev.run_id, &files, &report.zip_path, ev.redactor())?;
    Ok(())
}
