//! `verify ZIP|DIR`: a run's evidence checked offline (`crate::verify`), one line per
//! problem; exit 1 when there is one.

use super::{EXIT_FAIL, EXIT_PASS};
use crate::cli::VerifyArgs;
use crate::model::events::Events;
use crate::model::secrets::Secrets;
use crate::verify::{verify, Expect};
use anyhow::Result;

impl VerifyArgs {
    pub fn run(self, secrets: &Secrets, events: &Events) -> Result<i32> {
        let expect = Expect {
            commit: self.commit.clone(),
            secrets: self.secrets_from_env.then(|| secrets.redactor()),
        };
        let found = verify(&self.evidence, &expect)?;
        for problem in &found.problems {
            events.line(format!("problem: {problem}"));
        }
        let what = format!(
            "run {} ({} files, {} scenarios)",
            crate::verify::shown(&found.run_id),
            found.files,
            found.scenarios
        );
        if found.problems.is_empty() {
            let extra = match (&self.commit, self.secrets_from_env) {
                (Some(c), true) => format!(
                    ", tested {}, no secret of this environment in it",
                    crate::verify::shown(c)
                ),
                (Some(c), false) => format!(", tested {}", crate::verify::shown(c)),
                (None, true) => ", no secret of this environment in it".into(),
                (None, false) => String::new(),
            };
            events.line(format!(
                "verify: sound: {what}: every file matches manifest.json, the reports agree{extra}"
            ));
            Ok(EXIT_PASS)
        } else {
            events.line(format!(
                "verify: {} problem{} in {what}",
                found.problems.len(),
                if found.problems.len() == 1 { "" } else { "s" }
            ));
            Ok(EXIT_FAIL)
        }
    }
}
