//! The structured reporter: every event of the run as one JSON line in `events.jsonl`
//! (progress text, spinner messages and requests left out), for tools that read a run after
//! the fact (a timeline, a benchmark). Written through the redactor like every file
//! of the run. The first line names the format (`{"events_format":1}`); `read` refuses others.

use crate::evidence::files::EVENTS;
use crate::evidence::Evidence;
use crate::model::events::Event;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// The format version on the first line of `events.jsonl`.
pub(crate) const FORMAT: u32 = 1;

/// The first line of `events.jsonl`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    events_format: u32,
}

pub(crate) struct EventLog {
    ev: Evidence,
    header_written: bool,
}

impl EventLog {
    pub(crate) fn new(ev: Evidence) -> Self {
        EventLog {
            ev,
            header_written: false,
        }
    }

    /// Appends one event of the record (`recorded`), after the format line.
    pub(crate) fn event(&mut self, event: &Event) -> Result<()> {
        if !recorded(event) {
            return Ok(());
        }
        let mut text = String::new();
        if !self.header_written {
            text = format_line() + "\n";
        }
        text += &(serde_json::to_string(event)? + "\n");
        self.ev.append(EVENTS, &text)?;
        self.header_written = true;
        Ok(())
    }
}

/// Whether `event` is part of the record (progress text, spinner messages and requests are
/// not): events.jsonl and `--message-format json` carry the same events.
pub(crate) fn recorded(event: &Event) -> bool {
    !matches!(
        event,
        Event::Line { .. } | Event::Waiting { .. } | Event::Request { .. }
    )
}

/// The first line of the record, `{"events_format":1}` (events.jsonl and
/// `--message-format json` both start with it).
pub(crate) fn format_line() -> String {
    let header = Header {
        events_format: FORMAT,
    };
    serde_json::to_string(&header).expect("a struct of one number serializes")
}

/// The events of an `events.jsonl` (its text), in order: an error names the line that is
/// not an event of this format.
pub fn read(text: &str) -> Result<Vec<Event>> {
    let mut lines = text.lines().enumerate();
    let Some((_, first)) = lines.next() else {
        bail!("{EVENTS} is empty: it names no format");
    };
    let header: Header = serde_json::from_str(first).with_context(|| {
        format!("{EVENTS} line 1 is not {{\"events_format\":N}}: written by another suite?")
    })?;
    if header.events_format != FORMAT {
        bail!(
            "{EVENTS} format {} is not supported (this suite reads format {FORMAT})",
            header.events_format
        );
    }
    lines
        .map(|(i, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{EVENTS} line {} is not an event", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests;
