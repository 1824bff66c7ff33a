//! Text at the reporters' boundary: what a backend sent may hold control characters (ESC,
//! NUL) that would drive the reader's terminal or garble a file, and stdout may be closed
//! (`codex-live-suite … | head`) without that ending the run.

pub(crate) use crate::model::escape::escape_controls;
use std::io::Write;

/// A duration as every report shows it: `0.042s` under a second (milliseconds matter
/// there), `1.2s` above.
pub(crate) fn duration(d: std::time::Duration) -> String {
    if d < std::time::Duration::from_secs(1) {
        format!("{:.3}s", d.as_secs_f64())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// GitHub's runner still reads the legacy `##[command]` form anywhere in a line of a step's
/// output. A word joiner between `##` and `[` shows the same text and commands nothing.
pub(crate) fn defuse_legacy_commands(line: &str) -> std::borrow::Cow<'_, str> {
    if line.contains("##[") {
        line.replace("##[", "##\u{2060}[").into()
    } else {
        line.into()
    }
}

/// One line on stdout. A closed stdout (EPIPE) is ignored: the run goes on and writes its
/// report, where `println!` would panic.
pub fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// One line on stderr; a closed stderr is ignored like a closed stdout.
pub(crate) fn eprint_line(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_workflow_commands_are_defused_anywhere_in_a_line() {
        let line = defuse_legacy_commands("L03 FAIL: ##[error]forged ##[set-output name=v]x");
        assert!(!line.contains("##["), "{line}");
        assert_eq!(
            line.replace('\u{2060}', ""),
            "L03 FAIL: ##[error]forged ##[set-output name=v]x"
        );
        assert_eq!(defuse_legacy_commands("## [a] #[b]"), "## [a] #[b]");
    }
}
