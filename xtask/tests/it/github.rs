//! The xtask as a GitHub Actions step: the real binary with `GITHUB_ACTIONS=true`,
//! planted secrets and temporary `GITHUB_STEP_SUMMARY` / `GITHUB_OUTPUT` files, on the local
//! stack. Checks the masks come first, a group per scenario, annotations, the summary table
//! and the outputs.

use crate::support::fake_backend::{self, Config};
use crate::support::{local_suite, xtask, Run};
use std::path::{Path, PathBuf};

const KEY: &str = "sk-gh-PLANTED-5f4e3d2c1b";
/// Holds a `%`: its mask must be escaped (`%25`) or the runner would mask another value.
const PROJECT: &str = "proj-PLANTED%41x";

const SCENARIOS: [&str; 12] = [
    "L01", "L02", "L03", "L04", "L05", "L06", "L07", "L08", "M01", "M02", "M03", "M04",
];

/// `$GITHUB_OUTPUT` parsed as the runner does (`name=value` and `name<<DELIM`…`DELIM`).
fn parse_outputs(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delim)) = line.split_once("<<") {
            let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
            out.push((name.to_owned(), value.join("\n")));
        } else if let Some((name, value)) = line.split_once('=') {
            out.push((name.to_owned(), value.to_owned()));
        }
    }
    out
}

#[test]
fn on_github_the_suite_masks_groups_summarises_and_sets_outputs() {
    let out = tempfile::tempdir().unwrap();
    let gh = tempfile::tempdir().unwrap();
    let summary_file = gh.path().join("step_summary.md");
    let output_file = gh.path().join("github_output");
    // The runner creates both files before the step; the step appends.
    std::fs::write(&summary_file, "").unwrap();
    std::fs::write(&output_file, "earlier=kept\n").unwrap();

    let start = std::time::Instant::now();
    let run = local_suite(
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary_file.to_str().unwrap()),
            ("GITHUB_OUTPUT", output_file.to_str().unwrap()),
            ("OPENAI_API_KEY", KEY),
            ("OPENAI_PROJECT", PROJECT),
        ],
        out.path(),
    );
    println!(
        "github-mode local pipeline wall time: {:.1}s",
        start.elapsed().as_secs_f64()
    );
    assert!(
        run.code == 0 || run.code == 1,
        "setup error (exit {}):\n{}\n{}",
        run.code,
        run.stdout,
        run.stderr
    );

    assert_masks_first(&run);
    assert_groups(&run);
    // The summary: the verdict and the counts first; every scenario with its verdict from
    // summary.txt, in a row of the table or in the collapsed line of its verdict.
    let md = std::fs::read_to_string(&summary_file).unwrap();
    assert!(md.starts_with("## Live validation suite: "), "{md}");
    assert!(md.lines().next().unwrap().contains(" passed, "), "{md}");
    for id in SCENARIOS {
        let verdict = run.verdict(id).0;
        assert!(
            summarised(&md, id, &verdict),
            "{id} {verdict} missing in\n{md}"
        );
    }
    // Nothing failed and nothing was observed: no table, no notes, one line of passes.
    assert!(
        !md.contains("| scenario |") && !md.contains("<details>"),
        "{md}"
    );
    // The comparison follows the table: the first run in its --out has no baseline.
    assert!(
        md.contains("### Comparison") && md.contains("comparison: no baseline"),
        "{md}"
    );

    assert_annotations(&run);
    let outputs_text = assert_outputs(&run, &output_file);
    for secret in [KEY, PROJECT] {
        assert!(!md.contains(secret) && !outputs_text.contains(secret));
    }
}

/// The masks first, one per known value, escaped; the values nowhere else.
fn assert_masks_first(run: &Run) {
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[..2],
        [
            format!("::add-mask::{KEY}"),
            "::add-mask::proj-PLANTED%2541x".to_owned()
        ],
        "stdout must start with the masks:\n{}",
        run.stdout
    );
    assert!(!lines.iter().skip(2).any(|l| l.contains("::add-mask::")));
    let after_masks = lines[2..].join("\n");
    for secret in [KEY, PROJECT] {
        assert!(
            !after_masks.contains(secret),
            "value printed after the masks"
        );
        assert!(!run.stderr.contains(secret), "value printed on stderr");
    }
}

/// A group per scenario that ran, never nested, each closed; none for a skipped one.
fn assert_groups(run: &Run) {
    let lines: Vec<&str> = run.stdout.lines().collect();
    let commands: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::group::") || *l == "::endgroup::")
        .collect();
    for pair in commands.chunks(2) {
        assert!(
            pair.len() == 2 && pair[0].starts_with("::group::") && pair[1] == "::endgroup::",
            "groups must open and close in turn: {commands:#?}"
        );
    }
    for id in SCENARIOS {
        let opened = commands
            .iter()
            .filter(|l| l.starts_with(&format!("::group::{id} ")))
            .count();
        let want = usize::from(run.verdict(id).0 != "SKIP");
        assert_eq!(opened, want, "{id} must have {want} group: {commands:#?}");
    }
}

/// Annotations: none on success, at most one per failed scenario otherwise.
fn assert_annotations(run: &Run) {
    let lines: Vec<&str> = run.stdout.lines().collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("::error "))
        .collect();
    if run.code == 0 {
        assert!(errors.is_empty(), "{errors:#?}");
    }
    for id in SCENARIOS {
        let n = errors
            .iter()
            .filter(|l| l.starts_with(&format!("::error title={id} ")))
            .count();
        assert!(n <= 1, "{id} annotated {n} times: {errors:#?}");
    }
}

/// The outputs: earlier lines kept, paths to the files of this run, the verdict. Returns
/// the file's text.
fn assert_outputs(run: &Run, output_file: &Path) -> String {
    let outputs_text = std::fs::read_to_string(output_file).unwrap();
    let outputs = parse_outputs(&outputs_text);
    let get = |name: &str| -> String {
        outputs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no output {name} in\n{outputs_text}"))
    };
    assert_eq!(get("earlier"), "kept");
    let same = |a: &Path, b: &Path| a.canonicalize().unwrap() == b.canonicalize().unwrap();
    let junit = PathBuf::from(get("junit"));
    let zip = PathBuf::from(get("zip"));
    assert!(junit.is_file() && zip.is_file(), "{outputs_text}");
    assert!(
        same(&junit, &run.run_dir.join("junit.xml")),
        "{outputs_text}"
    );
    assert!(same(&zip, &run.zip), "{outputs_text}");
    let expected_verdict = if run.code == 0 { "pass" } else { "fail" };
    assert!(
        expected_verdict.split('|').any(|v| v == get("verdict")),
        "exit {} but verdict={}",
        run.code,
        get("verdict")
    );
    outputs_text
}

#[test]
fn on_github_a_failed_scenario_gets_one_annotation_even_when_retried() {
    // Edits end in `error` and leave the previous result: L05 fails on every attempt.
    let live = fake_backend::start(Config {
        edit_error_keeps_result: true,
        ..Default::default()
    });
    let mocked = fake_backend::start(Config {
        mocked: true,
        healthz: true,
        ..Default::default()
    });
    let out = tempfile::tempdir().unwrap();
    let gh = tempfile::tempdir().unwrap();
    let summary_file = gh.path().join("step_summary.md");
    let output_file = gh.path().join("github_output");
    let run = xtask(
        &[
            "live-suite",
            "--base-url",
            &live.url,
            "--mocked-base-url",
            &mocked.url,
            "--retries",
            "1",
            "--long-run-seconds",
            "1",
            "--poll-timeout",
            "20",
        ],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary_file.to_str().unwrap()),
            ("GITHUB_OUTPUT", output_file.to_str().unwrap()),
        ],
        out.path(),
    );
    run.assert_code(1);

    // No secret known: no mask line at all.
    assert!(!run.stdout.contains("::add-mask::"), "{}", run.stdout);
    let errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let (_, reason) = run.verdict("L05");
    assert!(
        errors[0].starts_with("::error title=L05 failed::"),
        "{errors:#?}"
    );
    // The message is the reason, escaped as workflow-command data.
    let data = &errors[0]["::error title=L05 failed::".len()..];
    assert!(!data.contains('\n') && !data.contains('\r'));
    assert_eq!(data.replace("%25", "%"), reason, "{data}");

    let md = std::fs::read_to_string(&summary_file).unwrap();
    assert!(md.contains("## Live validation suite: ❌ FAIL"), "{md}");
    let row = |id: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {id} ")))
            .unwrap_or_else(|| panic!("no row {id} in\n{md}"))
            .to_owned()
    };
    assert!(row("L05").contains("❌ FAIL"), "{md}");
    assert!(row("L05").contains("`live/L05/notes.txt`"), "{md}");
    assert!(row("L06").contains("gated by L05"), "{md}");
    // Passed scenarios with nothing to say: one line, not a row each; one with an
    // observation keeps its row.
    assert!(summarised(&md, "M01", "PASS"), "{md}");
    assert!(md.lines().all(|l| !l.starts_with("| M01 ")), "{md}");
    assert!(row("M04").contains("✅ PASS"), "{md}");
    // The failure's notes.txt, folded, without opening the zip.
    assert!(
        md.contains("<details><summary>❌ L05: <code>live/L05/notes.txt</code></summary>"),
        "{md}"
    );

    let outputs = std::fs::read_to_string(&output_file).unwrap();
    assert!(outputs.lines().any(|l| l == "verdict=fail"), "{outputs}");
}

/// A setup error (exit 2) on GitHub: one `setup failed` annotation with the cause,
/// `verdict=setup-error` in the outputs, so the workflow can tell it from a failed scenario,
/// and, since the run folder was made, a step summary and a junit.xml that say why.
#[test]
fn a_setup_error_is_annotated_and_reported_as_the_verdict() {
    let gh = tempfile::tempdir().unwrap();
    let output_file = gh.path().join("github_output");
    std::fs::write(&output_file, "").unwrap();
    let summary_file = gh.path().join("step_summary");
    // A Docker engine that cannot answer: the compose stack fails at once, before any build.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["live-suite", "--stack", "compose", "--out"])
        .arg(gh.path().join("evidence"))
        .env("DOCKER_HOST", "unix:///nonexistent/codex-test.sock")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_STEP_SUMMARY", &summary_file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stdout}\n{stderr}");
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(errors.len(), 1, "{stdout}");
    assert!(
        errors[0].starts_with("::error title=setup failed::") && errors[0].len() > 40,
        "{errors:?}"
    );
    assert!(stderr.contains("setup error (exit 2)"), "{stderr}");
    let outputs = std::fs::read_to_string(&output_file).unwrap();
    assert_eq!(
        outputs.lines().last(),
        Some("verdict=setup-error"),
        "{outputs}"
    );
    let junit = outputs
        .lines()
        .find_map(|l| l.strip_prefix("junit="))
        .unwrap_or_else(|| panic!("no junit output: {outputs}"));
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(
        xml.contains("<testsuite name=\"setup\"") && xml.contains("<error"),
        "{xml}"
    );
    crate::support::assert_junit_valid(std::path::Path::new(junit));
    let md = std::fs::read_to_string(&summary_file).unwrap();
    assert!(md.starts_with("## 💥 setup error (exit 2)"), "{md}");
    let run_dir = std::path::Path::new(junit).parent().unwrap();
    assert!(run_dir.join("setup_error.txt").is_file());
}

/// Whether the step summary names `id` with `verdict`: in its table row, or in the one line
/// that lists the scenarios of that verdict.
fn summarised(md: &str, id: &str, verdict: &str) -> bool {
    md.lines().any(|l| {
        (l.starts_with(&format!("| {id} ")) && l.contains(&format!(" {verdict} |")))
            || (l.contains(&format!(" {verdict}: "))
                && l.split(": ")
                    .nth(1)
                    .is_some_and(|ids| ids.split(", ").any(|i| i == id)))
    })
}
