//! `--message-format json`: the run's events on stdout, one JSON object a line, as they
//! happen: the lines of events.jsonl (its format line, then `structured::recorded` events,
//! serialized the same way), for a program that follows a run (the human lines then go to
//! stderr).
//!
//! Redacted like every output. JSON escapes the control characters below U+0020 itself;
//! DEL and the C1 range (U+0080..U+009F, which some terminals obey) are escaped here too, so
//! that a line piped to a terminal never drives it.

use super::structured::{format_line, recorded};
use super::terminal::Stream;
use crate::model::events::Event;
use crate::model::secrets::Redactor;

pub(crate) struct JsonLines {
    redactor: Redactor,
    /// The format line is out (before the first event, as in events.jsonl).
    header_written: bool,
}

impl JsonLines {
    pub(crate) fn new(redactor: Redactor) -> Self {
        JsonLines {
            redactor,
            header_written: false,
        }
    }

    /// Prints one event of the record as a line (after the format line).
    pub(crate) fn event(&mut self, event: &Event) -> anyhow::Result<()> {
        if !recorded(event) {
            return Ok(());
        }
        if !self.header_written {
            Stream::Stdout.write_line(&format_line());
            self.header_written = true;
        }
        let line = serde_json::to_string(event)?;
        let line = escape_controls(&self.redactor.redact(&line).text);
        Stream::Stdout.write_line(&line);
        Ok(())
    }
}

/// Every control character left in serialized JSON as `\uXXXX` (only strings hold them, and
/// there the escape means the same character), and the `[` of a legacy GitHub command
/// (`##[error]`, read anywhere in a line) as `\u005b`, the same character in a string.
fn escape_controls(json: &str) -> String {
    escape_control_chars(json).replace("##[", "##\\u005b")
}

fn escape_control_chars(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_control() {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn del_and_c1_controls_are_escaped_and_the_line_stays_json() {
        let event = Event::Observation {
            scenario: "L01".into(),
            text: "a\u{9b}31m\u{7f}\u{1b}b".into(),
        };
        let line = escape_controls(&serde_json::to_string(&event).unwrap());
        assert!(!line.chars().any(char::is_control), "{line}");
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["text"], "a\u{9b}31m\u{7f}\u{1b}b");
        assert_eq!(back["event"], "observation");
    }

    #[test]
    fn a_legacy_github_command_is_escaped_and_means_the_same() {
        let event = Event::Observation {
            scenario: "L01".into(),
            text: "##[error]forged".into(),
        };
        let line = escape_controls(&serde_json::to_string(&event).unwrap());
        assert!(!line.contains("##["), "{line}");
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["text"], "##[error]forged");
    }

    #[test]
    fn progress_text_and_requests_are_not_part_of_the_stream() {
        assert!(!recorded(&Event::Line { text: "x".into() }));
        assert!(!recorded(&Event::Request {
            method: "GET".into(),
            path: "/docs".into(),
            status: Some(200),
            latency: std::time::Duration::ZERO,
        }));
        assert!(recorded(&Event::Observation {
            scenario: "L01".into(),
            text: "x".into()
        }));
    }
}
