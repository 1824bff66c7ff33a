//! `junit.xml` through quick-junit (what nextest uses): flat testsuites `live`, `rollback`,
//! `mocked-rerun`, with the run's properties on each, written when the run finishes; and
//! `reports`, one error naming them, when reports could not be written.
//!
//! Retries (`--retries`) are written the way nextest writes them: a scenario that passed after
//! failed attempts carries one `<flakyFailure>`/`<flakyError>` per failed attempt; one that
//! failed every attempt carries its final verdict as `<failure>`/`<error>` and one
//! `<rerunFailure>`/`<rerunError>` per earlier attempt (`failed_attempts` holds only the
//! attempts before the last). Each of these has the attempt's reason as message and its
//! evidence folder in its own `system-out`.
//!
//! The schema (`schemas/junit-10.xsd`, Jenkins xUnit) allows no `<properties>` in a
//! `<testcase>`, no `time` on a rerun element and no `skipped` on `<testsuites>`. So a
//! scenario's observations go into its `system-out` and into its testsuite's properties as
//! `observation` = `<ID>: <text>`; an attempt's duration goes into its `system-out`; and the
//! `skipped` total quick-junit puts on `<testsuites>` is cut from the root tag (the suites
//! keep theirs). Texts are cleaned of ANSI escapes and XML-illegal characters by
//! quick-junit's `XmlString`.

use crate::evidence::{files, Evidence};
use crate::model::outcome::{Attempt, RunReport, ScenarioOutcome, Suite, Verdict};
use anyhow::{Context, Result};
use quick_junit::{
    FlakyOrRerun, NonSuccessKind, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
};

/// Writes `junit.xml`: it names every report that could not be written before it.
pub(crate) fn write(ev: &Evidence, report: &RunReport) -> Result<()> {
    ev.write(files::JUNIT, &render(report)?)?;
    Ok(())
}

pub(crate) const SUITES: [Suite; 3] = [Suite::Live, Suite::Rollback, Suite::MockedRerun];

/// The XML text of the report.
pub(crate) fn render(r: &RunReport) -> Result<String> {
    let mut report = Report::new("live-suite");
    let total: std::time::Duration = r.outcomes.iter().map(|o| o.duration).sum();
    report.set_time(total);
    for suite in SUITES {
        let outcomes: Vec<&ScenarioOutcome> =
            r.outcomes.iter().filter(|o| o.suite == suite).collect();
        let mut ts = TestSuite::new(suite.as_str());
        ts.set_time(outcomes.iter().map(|o| o.duration).sum());
        ts.add_properties([
            ("run_id", r.run_id.as_str()),
            ("stack", r.stack.as_str()),
            ("base_url", r.base_url.as_str()),
            ("git_commit", r.git_commit.as_str()),
            ("suite_version", crate::model::outcome::SUITE_VERSION),
        ]);
        ts.add_properties(target_properties(r));
        for o in &outcomes {
            ts.add_properties(
                o.observations
                    .iter()
                    .map(|t| ("observation".to_owned(), text(&format!("{}: {t}", o.id)))),
            );
        }
        ts.add_test_cases(outcomes.into_iter().map(testcase));
        report.add_test_suite(ts);
    }
    if !r.unwritten.is_empty() {
        let why = text(&r.unwritten.join("; "));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_type("report").set_message(why);
        let mut ts = TestSuite::new("reports");
        ts.add_test_case(TestCase::new("every report written", status));
        report.add_test_suite(ts);
    }
    let xml = report.to_string().context("rendering junit.xml")?;
    drop_testsuites_skipped(&xml)
}

/// The junit.xml of a run that stopped before its first scenario: one `setup` suite whose
/// one test case is the error, so that CI shows why instead of no tests at all.
pub(crate) fn render_setup_error(run_id: &str, reason: &str) -> Result<String> {
    let mut report = Report::new("live-suite");
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    status.set_type("setup").set_message(text(reason));
    let mut ts = TestSuite::new("setup");
    ts.add_properties([
        ("run_id", run_id),
        ("suite_version", crate::model::outcome::SUITE_VERSION),
    ]);
    let mut tc = TestCase::new("the stack starts and answers healthy", status);
    tc.set_classname("live-suite.setup");
    ts.add_test_case(tc);
    report.add_test_suite(ts);
    let xml = report.to_string().context("rendering junit.xml")?;
    drop_testsuites_skipped(&xml)
}

/// The target profile: `target` (its one line) and `target.<field>` for each field.
fn target_properties(r: &RunReport) -> Vec<(String, String)> {
    let Some(serde_json::Value::Object(fields)) = &r.target else {
        return Vec::new();
    };
    let mut props: Vec<(String, String)> = r
        .target_description()
        .map(|d| ("target".to_owned(), text(d)))
        .into_iter()
        .collect();
    for (k, v) in fields.iter().filter(|(k, _)| *k != "description") {
        let value = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => "not seen".into(),
            other => other.to_string(),
        };
        props.push((format!("target.{k}"), text(&value)));
    }
    props
}

/// The JUnit kind of a verdict that did not pass, and its `type`.
fn kind(v: Verdict) -> (NonSuccessKind, &'static str) {
    match v {
        Verdict::Error => (NonSuccessKind::Error, "infrastructure"),
        _ => (NonSuccessKind::Failure, "acceptance"),
    }
}

/// XmlString keeps U+FFFE and U+FFFF, which XML 1.0 forbids.
fn text(s: &str) -> String {
    s.replace(['\u{fffe}', '\u{ffff}'], "")
}

fn rerun(a: &Attempt) -> TestRerun {
    let (kind, type_) = kind(a.verdict);
    let mut run = TestRerun::new(kind);
    run.set_type(type_)
        .set_message(text(&a.reason))
        .set_system_out(format!(
            "attempt {}: {} after {:.1}s\nevidence: {}/\n",
            a.number,
            a.verdict.as_str(),
            a.duration.as_secs_f64(),
            text(&a.evidence_dir)
        ));
    run
}

fn testcase(o: &ScenarioOutcome) -> TestCase {
    let mut status = match o.verdict {
        Verdict::Pass => {
            let mut s = TestCaseStatus::success();
            s.add_reruns(o.failed_attempts.iter().map(rerun));
            s
        }
        Verdict::Fail | Verdict::Error => {
            let (kind, type_) = kind(o.verdict);
            let mut s = TestCaseStatus::non_success(kind);
            s.set_type(type_);
            if let Some(notes) = &o.notes {
                s.set_description(text(notes));
            }
            // The final attempt is this verdict; the earlier ones are reruns.
            if !o.failed_attempts.is_empty() {
                s.add_reruns(o.failed_attempts.iter().map(rerun));
                s.set_rerun_kind(FlakyOrRerun::Rerun);
            }
            s
        }
        Verdict::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_type("skipped");
            s
        }
    };
    status.set_message(text(&o.reason));
    let mut tc = TestCase::new(text(&o.display_name()), status);
    tc.set_classname(format!("live-suite.{}", o.suite.as_str()))
        .set_time(o.duration);
    // The schema allows no <properties> in a testcase: observations go to system-out (and to
    // the testsuite's properties, see `render`).
    let mut out = String::new();
    for (title, lines) in [("observations", &o.observations), ("evidence", &o.evidence)] {
        if !lines.is_empty() {
            out.push_str(&format!("{title}:\n"));
            for line in lines {
                out.push_str(&text(line));
                out.push('\n');
            }
        }
    }
    if !out.is_empty() {
        tc.set_system_out(out);
    }
    tc
}

/// quick-junit always writes `skipped` on `<testsuites>`, which the schema does not allow
/// there: the attribute is cut from the root start tag, the text it wrote before and after
/// it kept as it is (the suites keep theirs).
fn drop_testsuites_skipped(xml: &str) -> Result<String> {
    let start = xml
        .find("<testsuites")
        .context("junit.xml has no <testsuites>")?;
    let tag = &xml[start
        ..start
            + xml[start..]
                .find('>')
                .context("<testsuites> is not closed")?];
    let at = tag
        .find(" skipped=\"")
        .context("<testsuites> has no skipped")?;
    let value = at + " skipped=\"".len();
    let end = value + tag[value..].find('"').context("skipped is not closed")? + 1;
    Ok(format!("{}{}", &xml[..start + at], &xml[start + end..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn outcome(id: &str, suite: Suite, verdict: Verdict, reason: &str) -> ScenarioOutcome {
        let mut o = ScenarioOutcome::new(id, "Title", suite, verdict, reason.into());
        o.duration = Duration::from_millis(1500);
        o.notes = (verdict != Verdict::Pass).then(|| "observed: x\nexpected: y".into());
        o.evidence = vec![format!("live/{id}/result.json")];
        o
    }

    fn attempt(id: &str, number: u32, verdict: Verdict, reason: &str) -> Attempt {
        Attempt {
            number,
            verdict,
            reason: reason.into(),
            duration: Duration::from_millis(700),
            evidence_dir: format!("live/{id}/attempt-{number}"),
        }
    }

    pub(super) fn sample() -> RunReport {
        // L04 passed on its third attempt; L05 failed both of its attempts (the second is
        // its final verdict).
        let mut flaky = outcome("L04", Suite::Live, Verdict::Pass, "ok at last");
        flaky.failed_attempts = vec![
            attempt("L04", 1, Verdict::Fail, "app.py empty"),
            attempt("L04", 2, Verdict::Error, "connection reset"),
        ];
        flaky.observations = vec!["slow <docs> page".into()];
        let mut rerun = outcome(
            "L05",
            Suite::Live,
            Verdict::Fail,
            "bad \u{1b}[31mred\u{1b}[0m ]]> \u{7}",
        );
        rerun.failed_attempts = vec![attempt("L05", 1, Verdict::Fail, "not modified")];
        RunReport {
            run_id: "2025-11-14T17-14-05Z".into(),
            base_url: "http://127.0.0.1:1/?a=1&b=\"2\"".into(),
            git_commit: "abc".into(),
            outcomes: vec![
                outcome("L01", Suite::Live, Verdict::Pass, "ok"),
                flaky,
                rerun,
                outcome("L06", Suite::Live, Verdict::Skip, "gated by L05"),
                outcome("ROLLBACK", Suite::Rollback, Verdict::Error, "down"),
            ],
            unwritten: vec!["writing summary.txt: No space left on device".into()],
            ..RunReport::for_tests()
        }
    }

    fn children<'a, 'i>(
        n: roxmltree::Node<'a, 'i>,
        tag: &'a str,
    ) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
        n.children().filter(move |c| c.has_tag_name(tag))
    }

    #[test]
    fn suites_counts_properties_and_results_parse_back() {
        let xml = render(&sample()).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "testsuites");
        assert_eq!(root.attribute("tests"), Some("6"));
        assert_eq!(root.attribute("skipped"), None, "not allowed by the schema");
        let suites: Vec<_> = children(root, "testsuite").collect();
        let names: Vec<_> = suites
            .iter()
            .map(|s| s.attribute("name").unwrap())
            .collect();
        assert_eq!(names, ["live", "rollback", "mocked-rerun", "reports"]);
        assert!(suites[3].attribute("errors") == Some("1") && xml.contains("No space left"));
        let live = suites[0];
        assert_eq!(
            ["tests", "failures", "errors", "skipped"].map(|a| live.attribute(a).unwrap()),
            ["4", "1", "0", "1"]
        );
        let props: Vec<_> = live
            .descendants()
            .filter(|n| n.has_tag_name("property"))
            .map(|p| (p.attribute("name").unwrap(), p.attribute("value").unwrap()))
            .collect();
        assert!(props.contains(&("base_url", "http://127.0.0.1:1/?a=1&b=\"2\"")));
        assert!(props.contains(&("run_id", "2025-11-14T17-14-05Z")));
        assert!(props.contains(&("observation", "L04: slow <docs> page")));
        let cases: Vec<_> = children(live, "testcase").collect();
        assert!(cases
            .iter()
            .all(|c| c.attribute("classname") == Some("live-suite.live")
                && c.attribute("time").is_some()));
        let failure = children(cases[2], "failure").next().unwrap();
        assert_eq!(failure.attribute("message"), Some("bad red ]]> "));
        assert!(failure.text().unwrap().contains("expected: y"));
        let skipped = children(cases[3], "skipped").next().unwrap();
        assert_eq!(skipped.attribute("message"), Some("gated by L05"));
        let err = suites[1]
            .descendants()
            .find(|n| n.has_tag_name("error"))
            .unwrap();
        assert_eq!(err.attribute("message"), Some("down"));
        assert!(!xml.contains('\u{1b}'));
        assert_eq!(suites[2].attribute("tests"), Some("0"));
    }

    #[test]
    fn a_retried_pass_is_flaky_and_a_retried_failure_has_reruns() {
        let xml = render(&sample()).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let case = |name: &str| {
            doc.descendants()
                .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
                .unwrap()
        };
        let flaky = case("L04 Title");
        assert!(children(flaky, "failure").next().is_none());
        let ff: Vec<_> = children(flaky, "flakyFailure").collect();
        let fe: Vec<_> = children(flaky, "flakyError").collect();
        assert_eq!((ff.len(), fe.len()), (1, 1));
        assert_eq!(ff[0].attribute("message"), Some("app.py empty"));
        assert_eq!(ff[0].attribute("type"), Some("acceptance"));
        let out = children(ff[0], "system-out")
            .next()
            .unwrap()
            .text()
            .unwrap();
        assert!(out.contains("evidence: live/L04/attempt-1/"), "{out}");
        assert_eq!(fe[0].attribute("message"), Some("connection reset"));
        let own_out = children(flaky, "system-out")
            .next()
            .unwrap()
            .text()
            .unwrap();
        assert!(
            own_out.starts_with("observations:\nslow <docs> page"),
            "{own_out}"
        );

        let rerun = case("L05 Title");
        assert_eq!(children(rerun, "failure").count(), 1);
        let reruns: Vec<_> = children(rerun, "rerunFailure").collect();
        assert_eq!(reruns.len(), 1, "the final attempt is the <failure>");
        assert_eq!(reruns[0].attribute("message"), Some("not modified"));
        assert!(children(case("L01 Title"), "flakyFailure").next().is_none());
    }

    #[test]
    fn validates_against_the_schema_when_xmllint_exists() {
        let xsd = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/junit-10.xsd");
        if std::process::Command::new("xmllint")
            .arg("--version")
            .output()
            .is_err()
        {
            println!("skipped: xmllint not installed (Debian: libxml2-utils)");
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
