//! `down [--dry-run]`: what runs of this user left, removed (`crate::reaper::down`), one
//! line per thing and one for the whole.

use crate::cli::DownArgs;
use crate::model::events::Events;
use crate::reaper::Down;

impl DownArgs {
    pub fn run(self, events: &Events) -> Down {
        let down = crate::reaper::down(self.dry_run, events);
        for problem in &down.problems {
            events.line(format!("down: could not: {problem}"));
        }
        let things = plural(down.things, "thing");
        let runs = plural(down.runs, "run");
        events.line(match (down.things, self.dry_run) {
            (0, _) => "down: nothing is left by earlier runs".to_owned(),
            (_, true) => format!(
                "down --dry-run: {things} left by {runs}; `codex-live-suite down` removes them"
            ),
            (_, false) => format!("down: removed {things} left by {runs}"),
        });
        down
    }
}

impl Down {
    /// 0, or 1 when something could not be looked at or removed.
    pub fn exit_code(&self) -> i32 {
        if self.problems.is_empty() {
            super::EXIT_PASS
        } else {
            super::EXIT_FAIL
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
