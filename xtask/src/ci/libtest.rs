//! The test counts of `cargo test`, read from the summary line libtest prints once per test
//! binary: `test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; …`.

/// Tests of a whole `cargo test` run; `skipped` are libtest's ignored tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl Counts {
    /// Adds the counts of `line` when it is a libtest summary line; returns whether it was.
    pub fn add_line(&mut self, line: &str) -> bool {
        match summary(&strip_ansi(line)) {
            Some(c) => {
                self.passed += c.passed;
                self.failed += c.failed;
                self.skipped += c.skipped;
                true
            }
            None => false,
        }
    }

    /// The closing line of `cargo xtask ci`.
    pub fn line(&self) -> String {
        format!(
            "tests: {} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// The counts of one summary line; `None` for any other line, including one that starts
/// like a summary but lacks one of the three counts.
fn summary(line: &str) -> Option<Counts> {
    let rest = line.trim_end().strip_prefix("test result: ")?;
    let (status, fields) = rest.split_once(". ")?;
    if status != "ok" && status != "FAILED" {
        return None;
    }
    let (mut passed, mut failed, mut ignored) = (None, None, None);
    for field in fields.split("; ") {
        let Some((n, what)) = field.split_once(' ') else {
            continue;
        };
        let slot = match what {
            "passed" => &mut passed,
            "failed" => &mut failed,
            "ignored" => &mut ignored,
            _ => continue,
        };
        *slot = Some(n.parse().ok()?);
    }
    Some(Counts {
        passed: passed?,
        failed: failed?,
        skipped: ignored?,
    })
}

/// Removes ANSI CSI sequences (`ESC [ … letter`), in case the harness colours its output.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(lines: &[&str]) -> Counts {
        let mut c = Counts::default();
        for line in lines {
            c.add_line(line);
        }
        c
    }

    #[test]
    fn summary_lines_add_up_and_other_lines_count_nothing() {
        let c = counts(&[
            "running 3 tests",
            "test a ... ok",
            "test result: ok. 3 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "test result: FAILED. 5 passed; 2 failed; 0 ignored; 0 measured; 4 filtered out; finished in 9.50s",
            "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
            "",
        ]);
        assert_eq!(
            c,
            Counts {
                passed: 8,
                failed: 2,
                skipped: 1
            }
        );
        assert_eq!(c.line(), "tests: 8 passed, 2 failed, 1 skipped");
    }

    #[test]
    fn a_coloured_summary_line_counts() {
        let c = counts(&["test result: \u{1b}[32mok\u{1b}[0m. 4 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.10s"]);
        assert_eq!((c.passed, c.failed, c.skipped), (4, 1, 2));
    }

    #[test]
    fn lines_that_only_look_like_a_summary_count_nothing() {
        for line in [
            "test result: ok. 3 passed; 0 failed; 0 measured",
            "test result: ok. x passed; 0 failed; 0 ignored",
            "test result: maybe. 3 passed; 0 failed; 0 ignored",
            "test result: ok 3 passed; 0 failed; 0 ignored",
            "    test result: ok. 3 passed; 0 failed; 0 ignored",
            "test result:",
        ] {
            let mut c = Counts::default();
            assert!(!c.add_line(line), "{line}");
            assert_eq!(c, Counts::default(), "{line}");
        }
    }

    #[test]
    fn an_empty_run_says_zero() {
        assert_eq!(
            Counts::default().line(),
            "tests: 0 passed, 0 failed, 0 skipped"
        );
    }
}
