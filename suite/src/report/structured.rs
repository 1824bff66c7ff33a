//! The structured reporter: every event of the run as one JSON line in `events.jsonl`
//! (progress text, spinner messages and requests left out), for tools that read a run after the fact
//! (a timeline, a comparison). Written through the redactor like every file of the run.

use crate::events::{Event, Reporter};
use crate::evidence::Evidence;

pub struct EventLog {
    ev: Evidence,
}

impl EventLog {
    pub fn new(ev: Evidence) -> Self {
        EventLog { ev }
    }
}

/// Whether `event` is part of the record (progress text, spinner messages and requests are
/// not): events.jsonl and `--message-format json` carry the same events.
pub fn recorded(event: &Event) -> bool {
    !matches!(
        event,
        Event::Line { .. } | Event::Waiting { .. } | Event::Request { .. }
    )
}

impl Reporter for EventLog {
    fn event(&mut self, event: &Event) -> anyhow::Result<()> {
        if !recorded(event) {
            return Ok(());
        }
        let line = serde_json::to_string(event)?;
        self.ev.append("events.jsonl", &format!("{line}\n"))?;
        Ok(())
    }
}
