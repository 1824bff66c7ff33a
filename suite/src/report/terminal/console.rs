//! Where and how the human output goes: the stream (stdout, or stderr when stdout carries
//! `--message-format json`), colour (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`), the width
//! lines are fitted to on a terminal (`COLUMNS`, else the terminal's own), and how much is
//! said (`--quiet`, `--verbose`). Decided once in `main`, from the flags and an injected
//! environment lookup.

use clap::builder::BoolishValueParser;
use clap::{Args, ValueEnum};
use std::io::{IsTerminal, Write};

/// How the suite speaks: to a person (colour, width, detail) or to a program (JSON lines).
/// Global: every command takes them, before or after its name.
#[derive(Debug, Args, Clone, Default)]
pub struct OutputArgs {
    /// Colour the terminal output: auto (on a terminal, unless NO_COLOR is set;
    /// CLICOLOR_FORCE forces it), always or never.
    #[arg(
        long,
        value_name = "WHEN",
        value_enum,
        default_value_t,
        global = true,
        env = "CODEX_LIVE_SUITE_COLOR"
    )]
    #[arg(help_heading = "Terminal")]
    pub color: ColorWhen,
    /// Print only the failures and the final tally.
    #[arg(long, short, global = true, conflicts_with = "verbose",
          env = "CODEX_LIVE_SUITE_QUIET", value_parser = BoolishValueParser::new())]
    #[arg(help_heading = "Terminal")]
    pub quiet: bool,
    /// Also print each request the scenarios send: method, path, status, latency.
    #[arg(long, short, global = true, env = "CODEX_LIVE_SUITE_VERBOSE",
          value_parser = BoolishValueParser::new())]
    #[arg(help_heading = "Terminal")]
    pub verbose: bool,
    /// human: lines for a person on stdout; json: the run's events as JSON lines on stdout
    /// (those of events.jsonl), the human lines on stderr.
    #[arg(
        long,
        value_name = "FORMAT",
        value_enum,
        default_value_t,
        global = true,
        env = "CODEX_LIVE_SUITE_MESSAGE_FORMAT"
    )]
    #[arg(help_heading = "Terminal")]
    pub message_format: MessageFormat,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// `--message-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum MessageFormat {
    #[default]
    Human,
    Json,
}

/// The standard stream the human lines go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn is_terminal(self) -> bool {
        match self {
            Stream::Stdout => std::io::stdout().is_terminal(),
            Stream::Stderr => std::io::stderr().is_terminal(),
        }
    }

    /// The terminal's width in columns, when the stream is one and knows it (the `console`
    /// crate indicatif draws with).
    fn terminal_width(self) -> Option<usize> {
        let term = match self {
            Stream::Stdout => console::Term::stdout(),
            Stream::Stderr => console::Term::stderr(),
        };
        let (_, cols) = term.size_checked()?;
        (cols > 0).then_some(usize::from(cols))
    }

    /// One line as it is; a closed stream (EPIPE) is ignored, so that `… | head` never
    /// stops a run.
    pub fn write_line(self, line: &str) {
        self.write(line, anstream::ColorChoice::AlwaysAnsi);
    }

    /// One line with its styles, or stripped of them when `colour` is off (anstream).
    fn write_styled(self, line: &str, colour: bool) {
        let choice = if colour {
            anstream::ColorChoice::AlwaysAnsi
        } else {
            anstream::ColorChoice::Never
        };
        self.write(line, choice);
    }

    /// One of the suite's own workflow commands, exactly as built: a mask must name its value
    /// byte for byte.
    pub fn write_command(self, line: &str) {
        self.write_exactly(line, anstream::ColorChoice::AlwaysAnsi);
    }

    fn write(self, line: &str, choice: anstream::ColorChoice) {
        self.write_exactly(&crate::report::text::defuse_legacy_commands(line), choice);
    }

    fn write_exactly(self, line: &str, choice: anstream::ColorChoice) {
        let _ = match self {
            Stream::Stdout => {
                let mut out = anstream::AutoStream::new(std::io::stdout().lock(), choice);
                writeln!(out, "{line}").and_then(|()| out.flush())
            }
            Stream::Stderr => {
                let mut err = anstream::AutoStream::new(std::io::stderr().lock(), choice);
                writeln!(err, "{line}")
            }
        };
    }
}

/// How much the terminal says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `--quiet`: the failures and the tally.
    Quiet,
    Normal,
    /// `--verbose`: also each request.
    Verbose,
}

/// The human output's settings.
#[derive(Debug, Clone)]
pub struct Console {
    pub stream: Stream,
    /// Styles are written (else stripped).
    pub colour: bool,
    /// The stream is a terminal: a spinner, and lines fitted to its width.
    pub tty: bool,
    /// `COLUMNS`, when set; else the terminal is asked at each line (it may be resized).
    columns: Option<usize>,
    pub level: Level,
    /// `--message-format json`: stdout carries the events as JSON lines.
    pub json: bool,
}

impl Default for Console {
    /// Plain lines on stdout: no colour, no spinner, no width.
    fn default() -> Self {
        Console {
            stream: Stream::Stdout,
            colour: false,
            tty: false,
            columns: None,
            level: Level::Normal,
            json: false,
        }
    }
}

impl Console {
    /// From the flags and the environment (`lookup`), for this process's streams.
    pub fn detect(args: &OutputArgs, lookup: impl Fn(&str) -> Option<String>) -> Console {
        let json = args.message_format == MessageFormat::Json;
        let stream = if json { Stream::Stderr } else { Stream::Stdout };
        let tty = stream.is_terminal();
        Console {
            stream,
            colour: colour(args.color, &lookup, tty),
            tty,
            columns: columns(&lookup),
            level: match (args.quiet, args.verbose) {
                (true, _) => Level::Quiet,
                (false, true) => Level::Verbose,
                (false, false) => Level::Normal,
            },
            json,
        }
    }

    /// The width lines are fitted to: on a terminal only (a pipe or a CI log keeps whole
    /// lines), `COLUMNS` first, else the terminal's own.
    pub fn width(&self) -> Option<usize> {
        if !self.tty {
            return None;
        }
        self.columns.or_else(|| self.stream.terminal_width())
    }

    /// One line, styles stripped unless colour is on.
    pub fn write_line(&self, line: &str) {
        self.stream.write_styled(line, self.colour);
    }

    /// A reporter's line of its own (not under `--quiet`), control characters escaped,
    /// wrapped to the terminal's width like every other line.
    pub fn note(&self, line: &str) {
        if self.level < Level::Normal {
            return;
        }
        let line = super::styled::Styled::plain(crate::report::text::escape_controls(line));
        match self.width() {
            Some(width) => line
                .wrap(width)
                .iter()
                .for_each(|l| self.write_line(&l.text())),
            None => self.write_line(&line.text()),
        }
    }
}

/// The width of stderr when it is a terminal (`COLUMNS` first), for the lines written
/// before any reporter exists (a setup error).
pub(crate) fn stderr_width(lookup: impl Fn(&str) -> Option<String>) -> Option<usize> {
    if !Stream::Stderr.is_terminal() {
        return None;
    }
    columns(lookup).or_else(|| Stream::Stderr.terminal_width())
}

/// Whether to colour (the conventions of no-color.org and bixense's CLICOLOR, in the order
/// anstream applies them): `--color always|never` decides; else `NO_COLOR` (non-empty)
/// turns it off, `CLICOLOR_FORCE` (not `0`) on, `CLICOLOR=0` and `TERM=dumb` off, and a
/// terminal on.
pub(super) fn colour(when: ColorWhen, lookup: impl Fn(&str) -> Option<String>, tty: bool) -> bool {
    let set = |name: &str| lookup(name).filter(|v| !v.is_empty());
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto if set("NO_COLOR").is_some() => false,
        ColorWhen::Auto if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        ColorWhen::Auto if set("CLICOLOR").as_deref() == Some("0") => false,
        ColorWhen::Auto if set("TERM").as_deref() == Some("dumb") => false,
        ColorWhen::Auto => tty,
    }
}

/// `COLUMNS` when it holds a width (a positive number).
pub(super) fn columns(lookup: impl Fn(&str) -> Option<String>) -> Option<usize> {
    lookup("COLUMNS")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    /// `--color`, the environment, a terminal or not: colour or not.
    type Case = (
        ColorWhen,
        &'static [(&'static str, &'static str)],
        bool,
        bool,
    );

    #[test]
    fn colour_follows_the_flag_then_no_color_then_clicolor_force_then_the_terminal() {
        use ColorWhen::*;
        let cases: &[Case] = &[
            (Auto, &[], true, true),
            (Auto, &[], false, false),
            (Auto, &[("NO_COLOR", "1")], true, false),
            // An empty NO_COLOR is unset (no-color.org).
            (Auto, &[("NO_COLOR", "")], true, true),
            (Auto, &[("CLICOLOR_FORCE", "1")], false, true),
            (Auto, &[("CLICOLOR_FORCE", "0")], false, false),
            // NO_COLOR wins over CLICOLOR_FORCE, as in anstream.
            (
                Auto,
                &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
                true,
                false,
            ),
            (Auto, &[("CLICOLOR", "0")], true, false),
            (Auto, &[("TERM", "dumb")], true, false),
            (Always, &[("NO_COLOR", "1")], false, true),
            (Never, &[("CLICOLOR_FORCE", "1")], true, false),
        ];
        for (when, vars, tty, want) in cases {
            assert_eq!(
                colour(*when, env(vars), *tty),
                *want,
                "{when:?} {vars:?} {tty}"
            );
        }
    }

    #[test]
    fn columns_is_a_positive_number_or_nothing() {
        assert_eq!(columns(env(&[("COLUMNS", "80")])), Some(80));
        assert_eq!(columns(env(&[("COLUMNS", " 120 ")])), Some(120));
        for bad in ["0", "wide", "", "-3"] {
            assert_eq!(columns(env(&[("COLUMNS", bad)])), None, "{bad}");
        }
        assert_eq!(columns(env(&[])), None);
    }

    #[test]
    fn a_pipe_has_no_width_and_quiet_wins_over_nothing() {
        let args = OutputArgs {
            quiet: true,
            message_format: MessageFormat::Json,
            ..Default::default()
        };
        let c = Console::detect(&args, env(&[("COLUMNS", "80")]));
        assert_eq!(
            (c.stream, c.level, c.json),
            (Stream::Stderr, Level::Quiet, true)
        );
        // Under `cargo test` the streams are captured or piped: never a terminal here.
        if !c.tty {
            assert_eq!(c.width(), None);
        }
    }
}
