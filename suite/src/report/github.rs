//! GitHub Actions output, active only when `GITHUB_ACTIONS=true`:
//! `::add-mask::` for every known secret value before anything else, `::group::` per
//! scenario, at most one `::error` annotation per failed scenario, a markdown table in
//! `$GITHUB_STEP_SUMMARY`, and `junit`, `zip`, `verdict` (plus `summary`, `run_dir`,
//! `run_id`) in `$GITHUB_OUTPUT`.
//!
//! Everything that reaches the runner goes through the workflow-command escaping: data
//! escapes `%`, CR and LF; properties (`title=`) additionally `:` and `,`. Without it a
//! reason that holds a newline would end the command early and print the rest as a raw
//! log line, or a `::` inside it could start a command of its own.
//!
//! `add_masks` is the one place where a secret value is ever printed, and only on GitHub:
//! the runner takes the value out of the log stream and replaces it with `***` everywhere
//! after that line.

use super::github_summary::{write_outputs, write_step_summary};
use super::terminal::Stream;
use crate::model::events::Event;
use crate::model::outcome::ScenarioOutcome;
use crate::model::secrets::{Redactor, Secrets};
use anyhow::Result;
use std::collections::BTreeSet;

/// The GitHub reporter: a group per scenario, an annotation per failed scenario (GitHub
/// shows at most ten per step) and per observation, the step summary and the outputs at
/// the end. Does nothing outside GitHub Actions.
pub(crate) struct GitHub {
    active: bool,
    redactor: Redactor,
    /// Scenario ids already annotated: one `::error` each, whatever happens.
    annotated: BTreeSet<String>,
    group_open: bool,
    /// Where the human lines go (the runner reads workflow commands on both streams).
    stream: Stream,
}

impl GitHub {
    pub(crate) fn new(redactor: Redactor, stream: Stream) -> Self {
        GitHub {
            active: active(),
            redactor,
            stream,
            annotated: BTreeSet::new(),
            group_open: false,
        }
    }

    fn print(&self, lines: &[String]) {
        if self.active {
            let lines: Vec<String> = lines
                .iter()
                .map(|l| {
                    let l = super::text::escape_controls(l);
                    super::text::defuse_legacy_commands(&l).into_owned()
                })
                .collect();
            print_commands_to(&lines, self.stream);
        }
    }

    fn group_start(&mut self, title: &str) {
        self.print(&[group_command(title)]);
        self.group_open = true;
    }

    fn scenario_end(&mut self, o: &ScenarioOutcome) {
        if o.verdict.is_failure() && self.annotated.insert(o.id.clone()) {
            self.print(&[error_command(&o.id, &o.reason)]);
        }
        // A skipped scenario never started: it has no group, and its line stays in the log.
        if self.group_open {
            self.print(&["::endgroup::".to_owned()]);
            self.group_open = false;
        }
    }

    fn observation(&self, scenario: &str, text: &str) {
        let text = self.redactor.redact(text).text;
        self.print(&[warning_command(&format!("{scenario} observation"), &text)]);
    }
}

impl GitHub {
    /// Handles one event of the run; at `RunFinished`, the step summary and the outputs.
    pub(crate) fn event(&mut self, event: &Event) -> Result<()> {
        match event {
            Event::ScenarioStarted { id, title, .. } => self.group_start(&format!("{id} {title}")),
            Event::ScenarioFinished { outcome: o } => self.scenario_end(o),
            Event::Observation { scenario, text } => self.observation(scenario, text),
            Event::RunInterrupted { signal, after } => {
                if std::mem::take(&mut self.group_open) {
                    self.print(&["::endgroup::".to_owned()]);
                }
                self.print(&[error_command(
                    "run",
                    &format!("interrupted by {signal} after {:.1} s", after.as_secs_f64()),
                )])
            }
            Event::RunFinished { report } => {
                for why in &report.unwritten {
                    let why = self.redactor.redact(why).text;
                    self.print(&[error_command("report", &format!("not written: {why}"))]);
                }
                write_step_summary(report)?;
                write_outputs(report)?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// `GITHUB_ACTIONS=true`: we run as a step of a GitHub Actions job.
pub(crate) fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")
}

/// Escapes the data part of a workflow command (after the final `::`).
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (`title=...`).
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The `::add-mask::` lines for every known secret value. A value with line breaks is
/// masked line by line, because the runner masks the log line by line.
pub(crate) fn mask_commands(secrets: &Secrets) -> Vec<String> {
    secrets
        .values()
        .flat_map(|value| value.split(['\r', '\n']))
        .filter(|piece| !piece.trim().is_empty())
        .map(|piece| format!("::add-mask::{}", escape_data(piece)))
        .collect()
}

/// Prints the `::add-mask::` lines on GitHub (nothing anywhere else). Call it before the
/// suite prints anything else, so that no later line can show a value unmasked.
pub(crate) fn add_masks(secrets: &Secrets, stream: Stream) {
    if active() {
        print_commands_to(&mask_commands(secrets), stream);
    }
}

/// `::group::<title>`.
pub(crate) fn group_command(title: &str) -> String {
    format!("::group::{}", escape_data(title))
}

/// `::error title=<id> failed::<reason>`.
pub(crate) fn error_command(id: &str, reason: &str) -> String {
    format!(
        "::error title={}::{}",
        escape_property(&format!("{id} failed")),
        escape_data(reason)
    )
}

/// `::warning title=<title>::<text>`.
pub(crate) fn warning_command(title: &str, text: &str) -> String {
    format!(
        "::warning title={}::{}",
        escape_property(title),
        escape_data(text)
    )
}

/// Workflow commands on stdout (the setup error of `main`, before any run).
pub(super) fn print_commands(lines: &[String]) {
    print_commands_to(lines, Stream::Stdout);
}

fn print_commands_to(lines: &[String], stream: Stream) {
    // Flushed at once: the runner must see a mask before any later output, and a group
    // marker before the scenario's lines.
    for line in lines {
        stream.write_command(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_cr_lf_and_properties_also_colon_comma() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        // `%` first: an escape sequence already in the text must survive as text.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_property("L03: a, b\n%"), "L03%3A a%2C b%0A%25");
        assert_eq!(escape_data("a::b,c:d"), "a::b,c:d");
    }

    #[test]
    fn error_command_is_one_line_with_escaped_title_and_message() {
        let line = error_command("L03", "files.json lacks .codex/result.json\nsee notes: 50%");
        assert_eq!(
            line,
            "::error title=L03 failed::files.json lacks .codex/result.json%0Asee notes: 50%25"
        );
        assert_eq!(group_command("L01 a\nb"), "::group::L01 a%0Ab");
    }

    #[test]
    fn masks_cover_every_value_line_by_line_and_nothing_else() {
        let secrets = Secrets::from_lookup(|name| match name {
            "OPENAI_API_KEY" => Some("sk-PLANTED-1%".into()),
            "OPENAI_PROJECT" => Some("line-one\r\nline-two\n".into()),
            _ => None,
        });
        assert_eq!(
            mask_commands(&secrets),
            [
                "::add-mask::sk-PLANTED-1%25",
                "::add-mask::line-one",
                "::add-mask::line-two"
            ]
        );
        assert!(mask_commands(&Secrets::from_lookup(|_| None)).is_empty());
    }
}
