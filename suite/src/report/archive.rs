//! The archive reporter: at the end of a run, `manifest.json` (every file with its size
//! and sha256) and `<out>/<run id>.zip` (see `zip`).

use crate::events::{Event, Reporter};
use crate::evidence::Evidence;

pub struct Archive {
    ev: Evidence,
}

impl Archive {
    pub fn new(ev: Evidence) -> Self {
        Archive { ev }
    }
}

impl Reporter for Archive {
    fn event(&mut self, event: &Event) -> anyhow::Result<()> {
        let Event::RunFinished { report } = event else {
            return Ok(());
        };
        self.ev.write_manifest()?;
        super::zip::write(
            &self.ev.dir,
            &self.ev.run_id,
            &self.ev.files_under(""),
            &report.zip_path,
            self.ev.redactor(),
        )?;
        Ok(())
    }
}
