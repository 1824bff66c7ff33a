//! The archive: at the end of a run, `manifest.json` (every file with its size and sha256)
//! and `<out>/<run id>.zip` (see `zip`); the last report written, it seals the others.
//!
//! The zip is begun while report.png is still being taken ([`begin`]: every file but
//! report.png and manifest.json) and sealed once it is there ([`seal`]).

use super::screenshot::PNG;
use super::zip::Pending;
use crate::evidence::Evidence;
use crate::model::outcome::RunReport;

/// The file that lists the others, written last.
const MANIFEST: &str = "manifest.json";

/// Starts the zip with every file of the run folder but report.png and manifest.json.
pub fn begin(ev: &Evidence, report: &RunReport) -> anyhow::Result<Pending> {
    let mut zip = Pending::start(&ev.dir, &ev.run_id, &report.zip_path)?;
    for rel in ev.files_under("") {
        if rel != PNG && rel != MANIFEST {
            zip.add(&rel, ev.redactor())?;
        }
    }
    Ok(zip)
}

/// Writes manifest.json, adds report.png (when it was taken) and the manifest to `zip`, and
/// gives the zip its name.
pub fn seal(ev: &Evidence, mut zip: Pending) -> anyhow::Result<()> {
    ev.write_manifest()?;
    if ev.dir.join(PNG).is_file() {
        zip.add(PNG, ev.redactor())?;
    }
    zip.add(MANIFEST, ev.redactor())?;
    zip.finish()?;
    Ok(())
}
