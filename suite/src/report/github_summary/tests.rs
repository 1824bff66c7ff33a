use super::*;
use crate::model::outcome::Suite;
use std::time::Duration;

fn outcome(id: &str, verdict: Verdict, reason: &str, evidence: &[&str]) -> ScenarioOutcome {
    let title = format!("Title of {id}");
    let mut o = ScenarioOutcome::new(id, &title, Suite::Live, verdict, reason.to_owned());
    o.duration = Duration::from_millis(if verdict == Verdict::Skip { 0 } else { 1234 });
    o.evidence = evidence.iter().map(|s| s.to_string()).collect();
    o
}

fn report(dir: &Path, outcomes: Vec<ScenarioOutcome>) -> RunReport {
    let run_dir = dir.join("2025-11-14T17-14-05Z");
    RunReport {
        run_id: "2025-11-14T17-14-05Z".into(),
        base_url: "http://127.0.0.1:4000".into(),
        git_commit: "abc123".into(),
        outcomes,
        junit_path: run_dir.join("junit.xml"),
        summary_path: run_dir.join("summary.txt"),
        zip_path: dir.join("2025-11-14T17-14-05Z.zip"),
        run_dir,
        ..RunReport::for_tests()
    }
}

/// Parses `$GITHUB_OUTPUT` the way the runner does: `name=value` or
/// `name<<DELIM` ... `DELIM`.
fn parse_outputs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.push((name.to_owned(), value.join("\n")));
        } else if let Some((name, value)) = line.split_once('=') {
            out.push((name.to_owned(), value.to_owned()));
        }
    }
    out
}

#[test]
fn summary_table_has_a_row_per_scenario_and_survives_hostile_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = report(
        dir.path(),
        vec![
            outcome(
                "L01",
                Verdict::Pass,
                "presence lines found",
                &["live/L01/response.json", "live/L01/result.json"],
            ),
            outcome(
                "L02",
                Verdict::Fail,
                "a|b <script>\nsecond line",
                &["live/L02/notes.txt"],
            ),
            outcome("L03", Verdict::Skip, "gated by L02", &[]),
        ],
    );
    r.outcomes[0].observations = vec!["took 9 s <slow>".into()];
    let md = step_summary_markdown(&r);
    assert!(
        md.starts_with("## Live validation suite: ❌ FAIL · 1 passed, 1 failed, 1 skipped"),
        "{md}"
    );
    assert!(md.contains("| scenario | verdict | duration | reason | evidence file |"));
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| L0")).collect();
    assert_eq!(
        rows,
        [
            "| L01 Title of L01 | ✅ PASS | 1.2s | presence lines found | \
             `live/L01/response.json`<br>`live/L01/result.json` | ⚠️ took 9 s &lt;slow&gt; |",
            "| L02 Title of L02 | ❌ FAIL | 1.2s | a\\|b &lt;script&gt; second line | \
             `live/L02/notes.txt` | – |",
            "| L03 Title of L03 | ⏭️ SKIP | – | gated by L02 | – | – |",
        ]
    );
    assert!(md.contains("`2025-11-14T17-14-05Z.zip`"), "{md}");
}

#[test]
fn outputs_are_absolute_paths_and_parse_back_also_with_a_newline() {
    let dir = tempfile::tempdir().unwrap();
    let r = report(
        dir.path(),
        vec![outcome(
            "L01",
            Verdict::Pass,
            "ok",
            &["live/L01/result.json"],
        )],
    );
    let parsed = parse_outputs(&outputs_text(&r).unwrap());
    let get = |name: &str| {
        parsed
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no output {name} in {parsed:?}"))
    };
    assert_eq!(get("junit"), r.junit_path.to_str().unwrap());
    assert_eq!(get("zip"), r.zip_path.to_str().unwrap());
    assert_eq!(get("run_id"), "2025-11-14T17-14-05Z");
    assert_eq!(get("verdict"), "pass");
    assert!(Path::new(&get("summary")).is_absolute());

    // A folder name with a line break must not end the entry early.
    let odd = dir.path().join("odd\nname");
    let mut r2 = report(&odd, vec![outcome("L01", Verdict::Fail, "no", &[])]);
    r2.run_dir = odd.join("run");
    let text = outputs_text(&r2).unwrap();
    assert!(text.contains("zip<<ghadelimiter_"), "{text}");
    let parsed = parse_outputs(&text);
    assert!(parsed.contains(&("zip".to_owned(), r2.zip_path.to_str().unwrap().to_owned())));
    assert!(parsed.contains(&("verdict".to_owned(), "fail".to_owned())));
}

#[test]
fn output_delimiter_never_occurs_in_the_value() {
    let delimiter = format!("ghadelimiter_{}", std::process::id());
    let value = format!("a\n{delimiter}\nb");
    let mut text = String::new();
    output_entry(&mut text, "x", &value);
    let parsed = parse_outputs(&text);
    assert_eq!(parsed, [("x".to_owned(), value)]);
}

#[test]
fn append_adds_to_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("GITHUB_OUTPUT");
    std::fs::write(&path, "earlier=1\n").unwrap();
    append(&path, "junit=/x\n").unwrap();
    append(&path, "zip=/y\n").unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "earlier=1\njunit=/x\nzip=/y\n"
    );
    let err = append(&dir.path().join("missing/dir/file"), "x").unwrap_err();
    assert!(format!("{err:#}").contains("missing/dir/file"), "{err:#}");
}

#[test]
fn many_quiet_passes_collapse_and_a_failures_notes_are_folded_in_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let mut outcomes: Vec<ScenarioOutcome> = ["L01", "L02", "L03", "L04"]
        .iter()
        .map(|id| outcome(id, Verdict::Pass, "ok", &[]))
        .collect();
    outcomes.push(outcome(
        "L05",
        Verdict::Fail,
        "edit lost",
        &["live/L05/notes.txt"],
    ));
    outcomes.push(outcome("L06", Verdict::Skip, "gated by L05", &[]));
    let r = report(dir.path(), outcomes);
    let notes = r.run_dir.join("live/L05");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(notes.join("notes.txt"), "observed: <b>none</b> & more\n").unwrap();
    let md = step_summary_markdown(&r);
    assert!(md.contains("\n✅ 4 PASS: L01, L02, L03, L04\n"), "{md}");
    assert!(md.lines().all(|l| !l.starts_with("| L01 ")), "{md}");
    assert!(md.lines().any(|l| l.starts_with("| L05 ")), "{md}");
    assert!(md.lines().any(|l| l.starts_with("| L06 ")), "{md}");
    // No observation anywhere: no empty observations column.
    assert!(!md.contains("observations |"), "{md}");
    assert!(
        md.contains("<pre>observed: &lt;b&gt;none&lt;/b&gt; &amp; more\n</pre>"),
        "{md}"
    );
}

#[test]
fn the_run_link_needs_all_three_variables_and_plain_values() {
    let vars = |server: &'static str| {
        move |name: &str| {
            Some(match name {
                "GITHUB_SERVER_URL" => server.to_owned(),
                "GITHUB_REPOSITORY" => "acme/orchestrator".to_owned(),
                "GITHUB_RUN_ID" => "42".to_owned(),
                _ => return None,
            })
        }
    };
    assert_eq!(
        run_url(vars("https://github.com")).as_deref(),
        Some("https://github.com/acme/orchestrator/actions/runs/42")
    );
    assert_eq!(run_url(vars("https://x.test)[y](z")), None);
    assert_eq!(run_url(|_: &str| None), None);
}
