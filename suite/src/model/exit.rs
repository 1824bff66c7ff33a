//! The exit codes of every command: the verdict a CI job and the Action read.

/// Every scenario that ran passed (or the command did what it was asked).
pub const EXIT_PASS: i32 = 0;
pub const EXIT_FAIL: i32 = 1;
pub const EXIT_SETUP: i32 = 2;
/// The run finished (its verdicts are known) but a report could not be written.
pub const EXIT_REPORT: i32 = 3;

/// The verdict an exit code gives, in the one set of words the suite's `verdict` output and
/// the Action's share: `pass`, `fail`, `setup-error`, `report-error`, `interrupted`.
pub(crate) fn verdict_word(code: i32) -> &'static str {
    match code {
        EXIT_PASS => "pass",
        EXIT_FAIL => "fail",
        EXIT_REPORT => "report-error",
        c if c > 128 => "interrupted",
        _ => "setup-error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_code_has_its_word() {
        let words: Vec<&str> = [0, 1, 2, 3, 130, 143, 101].map(verdict_word).into();
        assert_eq!(
            words,
            [
                "pass",
                "fail",
                "setup-error",
                "report-error",
                "interrupted",
                "interrupted",
                "setup-error"
            ]
        );
    }
}
