//! `junit.xml` through junit-report: flat testsuites `live`, `rollback`, `mocked-rerun`.
//!
//! junit-report writes suites, testcases (`classname`, `time`), failure vs error with the
//! notes as body, skipped with its reason, and `system-out` (the evidence files). What it
//! cannot express is added to its output, not hand-written: the `skipped` count and
//! `<properties>` (run id, stack, base URL, git commit) on each testsuite, and the totals
//! on `<testsuites>`. Every text is stripped of control characters (ANSI escapes are
//! illegal in XML 1.0). The result validates against the Jenkins xUnit JUnit schema
//! (`../shared/schemas/junit-10.xsd`).

use crate::events::{Event, Reporter};
use crate::evidence::Evidence;
use crate::outcome::{RunReport, ScenarioOutcome, Suite, Verdict};
use anyhow::{Context, Result};
use junit_report::{Report, TestCase, TestResult, TestSuite};

/// The reporter that writes `junit.xml` when the run finishes.
pub struct JunitFile {
    ev: Evidence,
}

impl JunitFile {
    pub fn new(ev: Evidence) -> Self {
        JunitFile { ev }
    }
}

impl Reporter for JunitFile {
    fn event(&mut self, event: &Event) -> Result<()> {
        if let Event::RunFinished { report } = event {
            self.ev.write("junit.xml", &render(report)?)?;
        }
        Ok(())
    }
}

pub const SUITES: [Suite; 3] = [Suite::Live, Suite::Rollback, Suite::MockedRerun];

/// Removes ANSI escape sequences and every control character XML 1.0 forbids (tab, LF and
/// CR stay); `]]>` is broken up so that a text never ends junit-report's CDATA early.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params final-byte(@..~); other escapes: ESC + one char.
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            } else {
                chars.next();
            }
            continue;
        }
        let allowed = matches!(c, '\t' | '\n' | '\r')
            || !(c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}'));
        if allowed {
            out.push(c);
        }
    }
    out.replace("]]>", "]] >")
}

fn testcase(o: &ScenarioOutcome) -> TestCase {
    let name = clean(&o.display_name());
    let message = clean(&o.reason);
    let notes = o.notes.as_deref().map(clean);
    let mut tc = TestCase::success(&name, time_of(o));
    tc.result = match o.verdict {
        Verdict::Pass => TestResult::Success,
        Verdict::Fail => TestResult::Failure {
            type_: "acceptance".into(),
            message,
            cause: notes,
        },
        Verdict::Error => TestResult::Error {
            type_: "infrastructure".into(),
            message,
            cause: notes,
        },
        Verdict::Skip => TestResult::SkippedWithCause {
            type_: "skipped".into(),
            message,
            cause: None,
        },
    };
    tc.set_classname(&format!("live-suite.{}", o.suite.as_str()));
    let mut out = String::new();
    // The schema allows no <properties> in a testcase: observations go to system-out (and to
    // the testsuite's properties, see `extend`).
    if !o.observations.is_empty() {
        out.push_str("observations:\n");
        for text in &o.observations {
            out.push_str(&format!("{}\n", clean(text)));
        }
    }
    if !o.evidence.is_empty() {
        out.push_str("evidence:\n");
        for e in &o.evidence {
            out.push_str(&format!("{}\n", clean(e)));
        }
    }
    if !out.is_empty() {
        tc.set_system_out(&out);
    }
    tc
}

fn time_of(o: &ScenarioOutcome) -> junit_report::Duration {
    junit_report::Duration::try_from(o.duration).unwrap_or(junit_report::Duration::ZERO)
}

/// The XML text of the report.
pub fn render(r: &RunReport) -> Result<String> {
    let mut report = Report::new();
    for suite in SUITES {
        let mut ts = TestSuite::new(suite.as_str());
        ts.add_testcases(r.outcomes.iter().filter(|o| o.suite == suite).map(testcase));
        report.add_testsuite(ts);
    }
    let mut buf = Vec::new();
    report.write_xml(&mut buf).context("rendering junit.xml")?;
    let xml = String::from_utf8(buf).context("junit-report wrote non-UTF-8")?;
    Ok(extend(&xml, r))
}

/// Adds what junit-report cannot write: `skipped` and `<properties>` per testsuite, and the
/// totals on `<testsuites>`.
fn extend(xml: &str, r: &RunReport) -> String {
    let props = [
        ("run_id", r.run_id.as_str()),
        ("stack", r.stack.as_str()),
        ("base_url", r.base_url.as_str()),
        ("git_commit", r.git_commit.as_str()),
    ]
    .iter()
    .map(|(k, v)| property(k, v))
    .chain(target_properties(r))
    .collect::<String>();
    let observations = |s: Suite| {
        r.outcomes
            .iter()
            .filter(|o| o.suite == s)
            .flat_map(|o| {
                o.observations
                    .iter()
                    .map(|t| property("observation", &format!("{}: {t}", o.id)))
            })
            .collect::<String>()
    };
    let count = |s: Option<Suite>, v: Option<Verdict>| {
        r.outcomes
            .iter()
            .filter(|o| s.is_none_or(|s| o.suite == s) && v.is_none_or(|v| o.verdict == v))
            .count()
    };
    let total_time: f64 = r.outcomes.iter().map(|o| o.duration.as_secs_f64()).sum();
    let mut out = String::with_capacity(xml.len() + 1024);
    let mut rest = xml;
    // junit-report escapes `>` inside attribute values, so the first `>` after the element
    // name ends the start tag.
    while let Some(i) = rest.find("<testsuite") {
        out.push_str(&rest[..i]);
        let tag_end = i + rest[i..].find('>').expect("junit-report closes its tags");
        let tag = &rest[i..tag_end];
        if tag.starts_with("<testsuites") {
            out.push_str(&format!(
                "<testsuites name=\"live-suite\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\"",
                count(None, None),
                count(None, Some(Verdict::Fail)),
                count(None, Some(Verdict::Error)),
                total_time
            ));
            out.push_str(tag.trim_start_matches("<testsuites").trim_end_matches('/'));
            out.push_str(if tag.ends_with('/') { "/>" } else { ">" });
        } else {
            let name = SUITES
                .into_iter()
                .find(|s| tag.contains(&format!(" name=\"{}\"", s.as_str())));
            let skipped = name.map_or(0, |s| count(Some(s), Some(Verdict::Skip)));
            let seen = name.map(observations).unwrap_or_default();
            let empty = tag.ends_with('/');
            out.push_str(tag.trim_end_matches('/'));
            out.push_str(&format!(
                " skipped=\"{skipped}\"><properties>{props}{seen}</properties>"
            ));
            if empty {
                out.push_str("</testsuite>");
            }
        }
        rest = &rest[tag_end + 1..];
    }
    out.push_str(rest);
    out
}

/// The target profile: `target` (its one line) and `target.<field>` for each field.
fn target_properties(r: &RunReport) -> Vec<String> {
    let Some(serde_json::Value::Object(fields)) = &r.target else {
        return Vec::new();
    };
    let mut props: Vec<String> = r
        .target_description()
        .map(|d| property("target", d))
        .into_iter()
        .collect();
    for (k, v) in fields.iter().filter(|(k, _)| *k != "description") {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "not seen".into(),
            other => other.to_string(),
        };
        props.push(property(&format!("target.{k}"), &text));
    }
    props
}

fn property(name: &str, value: &str) -> String {
    format!("<property name=\"{name}\" value=\"{}\"/>", attr(value))
}

fn attr(v: &str) -> String {
    clean(v)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    fn outcome(id: &str, suite: Suite, verdict: Verdict, reason: &str) -> ScenarioOutcome {
        let mut o = ScenarioOutcome::new(id, "Title", suite, verdict, reason.into());
        o.duration = Duration::from_millis(1500);
        o.notes = (verdict != Verdict::Pass).then(|| "observed: x\nexpected: y".into());
        o.evidence = vec![format!("live/{id}/result.json")];
        if verdict == Verdict::Pass {
            o.observations = vec!["slow <answer> & \"quoted\"".into()];
        }
        o
    }

    pub fn sample() -> RunReport {
        RunReport {
            run_id: "2025-11-14T17-14-05Z".into(),
            started: std::time::SystemTime::UNIX_EPOCH,
            target: None,
            stack: "local".into(),
            base_url: "http://127.0.0.1:1/?a=1&b=\"2\"".into(),
            git_commit: "abc".into(),
            outcomes: vec![
                outcome("L01", Suite::Live, Verdict::Pass, "ok"),
                outcome(
                    "L02",
                    Suite::Live,
                    Verdict::Fail,
                    "bad \u{1b}[31mred\u{1b}[0m ]]> \u{7}",
                ),
                outcome("L03", Suite::Live, Verdict::Skip, "gated by L02"),
                outcome("ROLLBACK", Suite::Rollback, Verdict::Error, "down"),
            ],
            run_dir: PathBuf::new(),
            junit_path: PathBuf::new(),
            summary_path: PathBuf::new(),
            zip_path: PathBuf::new(),
        }
    }

    #[test]
    fn clean_strips_ansi_and_controls() {
        assert_eq!(clean("a\u{1b}[1;31mb\u{1b}[0m\u{0}c\td\n"), "abc\td\n");
        assert_eq!(clean("x]]>y"), "x]] >y");
    }

    #[test]
    fn suites_counts_properties_and_results_parse_back() {
        let xml = render(&sample()).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("tests"), Some("4"));
        let suites: Vec<_> = root
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        let names: Vec<_> = suites
            .iter()
            .map(|s| s.attribute("name").unwrap())
            .collect();
        assert_eq!(names, ["live", "rollback", "mocked-rerun"]);
        let live = suites[0];
        assert_eq!(
            ["tests", "failures", "errors", "skipped"].map(|a| live.attribute(a).unwrap()),
            ["3", "1", "0", "1"]
        );
        let props: Vec<_> = live
            .descendants()
            .filter(|n| n.has_tag_name("property"))
            .map(|p| (p.attribute("name").unwrap(), p.attribute("value").unwrap()))
            .collect();
        assert!(props.contains(&("base_url", "http://127.0.0.1:1/?a=1&b=\"2\"")));
        assert!(props.contains(&("run_id", "2025-11-14T17-14-05Z")));
        assert!(props.contains(&("observation", "L01: slow <answer> & \"quoted\"")));
        let out = live
            .descendants()
            .find(|n| n.has_tag_name("system-out"))
            .and_then(|n| n.text())
            .unwrap();
        assert!(out.starts_with("observations:\nslow <answer>"), "{out}");
        let cases: Vec<_> = live
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert!(cases
            .iter()
            .all(|c| c.attribute("classname") == Some("live-suite.live")
                && c.attribute("time").is_some()));
        let failure = cases[1]
            .children()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(failure.attribute("message"), Some("bad red ]] > "));
        assert!(failure.text().unwrap().contains("expected: y"));
        let skipped = cases[2]
            .children()
            .find(|n| n.has_tag_name("skipped"))
            .unwrap();
        assert_eq!(skipped.attribute("message"), Some("gated by L02"));
        let err = suites[1]
            .descendants()
            .find(|n| n.has_tag_name("error"))
            .unwrap();
        assert_eq!(err.attribute("message"), Some("down"));
        assert!(!xml.contains('\u{1b}'));
        assert_eq!(suites[2].attribute("tests"), Some("0"));
    }

    #[test]
    fn validates_against_the_schema_when_xmllint_exists() {
        let xsd = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/schemas/junit-10.xsd"
        );
        if std::process::Command::new("xmllint")
            .arg("--version")
            .output()
            .is_err()
            || !std::path::Path::new(xsd).exists()
        {
            println!("skipped: xmllint or {xsd} not available");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("junit.xml");
        std::fs::write(&f, render(&sample()).unwrap()).unwrap();
        let out = std::process::Command::new("xmllint")
            .args(["--noout", "--schema", xsd])
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
