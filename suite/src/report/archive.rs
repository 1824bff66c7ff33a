//! The archive: at the end of a run, `manifest.json` (every file with its size and sha256)
//! and `<out>/<run id>.zip` (see `zip`); the last report written, it seals the others.

use crate::evidence::Evidence;
use crate::outcome::RunReport;

/// Writes `manifest.json`, then the zip of the run folder.
pub fn write(ev: &Evidence, report: &RunReport) -> anyhow::Result<()> {
    ev.write_manifest()?;
    super::zip::write(
        &ev.dir,
        &ev.run_id,
        &ev.files_under(""),
        &report.zip_path,
        ev.redactor(),
    )?;
    Ok(())
}
