//! Files the suite reads back are untrusted, through the real binary: a baseline that is a
//! FIFO, a device or a zip bomb is refused at once (never awaited, never loaded whole), a
//! failure the baseline did not have is a regression, a baseline's texts reach GitHub's log,
//! step summary and the report escaped, and an env file is a regular file that exists.

use crate::support::timed::{mkfifo, run_folder, timed, Limits, Timed};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `timed` without limits or a pid.
fn run(args: &[&str], cwd: &Path, deadline: Duration) -> Timed {
    timed(args, cwd, Limits::default(), deadline, |_| {})
}

/// A `run.json` with these (id, verdict) rows.
fn record(dir: &Path, name: &str, run_id: &str, rows: &[(&str, &str)]) -> PathBuf {
    let scenarios: Vec<_> = rows
        .iter()
        .map(|(id, v)| serde_json::json!({"id": id, "verdict": v, "duration_secs": 1.0}))
        .collect();
    let doc = serde_json::json!({"format": 1, "run_id": run_id, "stack": "local",
        "commit": "abc", "target": null, "scenarios": scenarios});
    let path = dir.join(name);
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

const MINUTE: Duration = Duration::from_secs(60);
/// Enough address space for the xtask, far less than a file loaded whole.
const MEMORY: u64 = 3 << 30;

#[test]
fn compare_fails_on_a_failure_the_baseline_did_not_have() {
    let dir = tempfile::tempdir().unwrap();
    let empty = record(dir.path(), "empty.json", "2025-11-14T17-14-05Z", &[]);
    let failing = record(
        dir.path(),
        "new.json",
        "2025-11-15T08-00-00Z",
        &[("L01", "FAIL")],
    );
    let arg = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let c = run(
        &["compare", &arg(&empty), &arg(&failing)],
        dir.path(),
        MINUTE,
    );
    c.assert_code(1);
    assert!(
        c.stdout.contains("1 change, 1 regression")
            && c.stdout.contains("! L01       new in this run: FAIL"),
        "{}",
        c.stdout
    );
    // The same failure in both: listed, no regression.
    let c = run(
        &["compare", &arg(&failing), &arg(&failing)],
        dir.path(),
        MINUTE,
    );
    c.assert_code(0);
    assert!(
        c.stdout.contains("- L01       still failing: FAIL"),
        "{}",
        c.stdout
    );
}

#[test]
fn a_run_json_that_is_a_fifo_or_a_device_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let new = record(
        dir.path(),
        "new.json",
        "2025-11-15T08-00-00Z",
        &[("L01", "PASS")],
    );
    let fifo_run = dir.path().join("fifo-run");
    std::fs::create_dir(&fifo_run).unwrap();
    mkfifo(&fifo_run.join("run.json"));
    let zero_run = dir.path().join("zero-run");
    std::fs::create_dir(&zero_run).unwrap();
    std::os::unix::fs::symlink("/dev/zero", zero_run.join("run.json")).unwrap();
    for (old, kind) in [(&fifo_run, "a FIFO"), (&zero_run, "a device")] {
        let limits = Limits {
            memory: Some(MEMORY),
            ..Limits::default()
        };
        let args = ["compare", old.to_str().unwrap(), new.to_str().unwrap()];
        let c = timed(&args, dir.path(), limits, MINUTE, |_| {});
        c.assert_code(2);
        let path = old.join("run.json").display().to_string();
        assert!(
            c.stderr.contains(&path) && c.stderr.contains(kind),
            "{}",
            c.stderr
        );
    }
}

/// A zip of one `<run id>/run.json` entry of `n` zero bytes: about a thousandth of it on disk.
fn zip_bomb(path: &Path, n: usize) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("2025-11-14T17-14-05Z/run.json", opts).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..n >> 20 {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn a_baseline_zip_that_inflates_past_its_limit_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("main-latest.zip");
    zip_bomb(&bomb, 256 << 20);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);
    let new = record(
        dir.path(),
        "new.json",
        "2025-11-15T08-00-00Z",
        &[("L01", "PASS")],
    );
    let limits = Limits {
        memory: Some(MEMORY),
        ..Limits::default()
    };
    let args = ["compare", bomb.to_str().unwrap(), new.to_str().unwrap()];
    let c = timed(&args, dir.path(), limits, MINUTE, |_| {});
    c.assert_code(2);
    assert!(
        c.stderr
            .contains("inflates to 268435456 bytes, over the limit of 16 MiB"),
        "{}",
        c.stderr
    );
}

#[test]
fn a_fifo_named_like_an_earlier_runs_zip_is_skipped_and_the_run_writes_its_reports() {
    let out = tempfile::tempdir().unwrap();
    let fifo = out.path().join("2000-01-01T00-00-00Z.zip");
    mkfifo(&fifo);
    let args = [
        "live-suite",
        "--stack",
        "local",
        "--only",
        "L01",
        "--no-rollback",
        "--out",
        out.path().to_str().unwrap(),
    ];
    let r = run(&args, out.path(), Duration::from_secs(300));
    r.assert_code(0);
    let line = format!("baseline: skipping {}: not a regular file", fifo.display());
    assert!(r.stdout.contains(&line), "{}", r.stdout);
    assert!(r.stdout.contains("comparison: no baseline"), "{}", r.stdout);
    let run_dir = run_folder(out.path()).expect("a run folder");
    for file in ["summary.txt", "junit.xml", "run.json", "report.html"] {
        assert!(run_dir.join(file).is_file(), "{file}\n{}", r.stdout);
    }
    assert!(run_dir.with_extension("zip").is_file());
}

/// A baseline whose texts would be workflow commands, markdown and HTML if printed as they
/// are, the run on GitHub: every line of the log, the step summary and the report shows them
/// as text.
#[test]
fn a_baseline_s_texts_reach_the_log_the_step_summary_and_the_report_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("run.json");
    let doc = serde_json::json!({
        "format": 1,
        "run_id": "2000-01-01T00-00-00Z\n::error title=INJECTED::run id\n<script>INJECTED</script>",
        "stack": "local\r\n::warning::INJECTED stack",
        "commit": "abc",
        "target": {"backend\n::error::INJECTED key": "x\r\n::error::INJECTED value"},
        "scenarios": [
            {"id": "::error title=INJECTED::id", "verdict": "PASS", "duration_secs": 1.0},
            {"id": "L01", "verdict": "PASS\n::error::INJECTED verdict", "duration_secs": 1.0,
             "observations": ["<img src=x onerror=INJECTED>\n::warning::INJECTED obs ##[error]INJECTED legacy"]}
        ]
    });
    std::fs::write(&baseline, doc.to_string()).unwrap();
    let (summary, outputs) = (dir.path().join("step.md"), dir.path().join("outputs"));
    let out = dir.path().join("evidence");
    std::fs::create_dir(&out).unwrap();
    let envs = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
    ];
    let args = [
        "live-suite",
        "--stack",
        "local",
        "--only",
        "L01",
        "--no-rollback",
        "--baseline",
        baseline.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let limits = Limits {
        envs: &envs,
        ..Limits::default()
    };
    let r = timed(&args, dir.path(), limits, Duration::from_secs(300), |_| {});
    r.assert_code(0);
    assert!(r
        .stdout
        .contains("comparison with 2000-01-01T00-00-00Z ::error"));
    let step = std::fs::read_to_string(&summary).unwrap();
    let run_dir = run_folder(&out).expect("a run folder");
    let text = std::fs::read_to_string(run_dir.join("summary.txt")).unwrap();
    for (what, body) in [
        ("log", &r.stdout),
        ("step summary", &step),
        ("summary.txt", &text),
    ] {
        for line in body.lines().filter(|l| l.contains("INJECTED")) {
            assert!(!line.trim_start().starts_with("::"), "{what}: {line}");
        }
    }
    // The runner reads the legacy form anywhere in a line of the log.
    assert!(r.stdout.contains("INJECTED legacy"), "{}", r.stdout);
    for line in r.stdout.lines().chain(r.stderr.lines()) {
        assert!(!line.contains("##["), "log: {line}");
    }
    assert!(
        !step.contains("<script") && !step.contains("<img"),
        "{step}"
    );
    assert!(
        step.contains(
            "### Compared with 2000-01-01T00-00-00Z ::error title=INJECTED::run id &lt;script&gt;"
        ),
        "{step}"
    );
    let html = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    assert!(html.contains("INJECTED") && !html.contains("<script>INJECTED"));
    assert!(!html.contains("<img src=x onerror"));
}

/// `live-suite --config` of a compose stack whose `env_file` line is `env_file`.
fn with_env_file(dir: &Path, env_file: &str) -> Timed {
    std::fs::write(
        dir.join("compose.yml"),
        "services:\n  api:\n    image: x\n    ports:\n      - \"9000\"\n",
    )
    .unwrap();
    let config = dir.join("live-suite.toml");
    std::fs::write(
        &config,
        format!("service = \"api\"\ncontainer_port = 9000\ncompose_files = [\"compose.yml\"]\n{env_file}"),
    )
    .unwrap();
    let out = dir.join("out");
    let args = [
        "live-suite",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    run(&args, dir, Duration::from_secs(120))
}

#[test]
fn an_env_file_that_is_a_device_a_fifo_or_missing_is_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("secrets.fifo");
    mkfifo(&fifo);
    let missing = dir.path().join("mistyped.env");
    for (path, says) in [
        (Path::new("/dev/zero"), "a device"),
        (fifo.as_path(), "a FIFO"),
        (missing.as_path(), "does not exist"),
    ] {
        let r = with_env_file(
            dir.path(),
            &format!("env_file = {:?}\n", path.to_str().unwrap()),
        );
        r.assert_code(2);
        assert!(
            r.stderr.contains(&path.display().to_string())
                && r.stderr.contains(says)
                && r.stderr.contains("`env_file`"),
            "{}",
            r.stderr
        );
        assert!(!r.stderr.contains("memory allocation"), "{}", r.stderr);
    }
    // The default .env.live in the folder the xtask runs from, a FIFO: refused, not awaited.
    mkfifo(&dir.path().join(".env.live"));
    let r = run(&["list"], dir.path(), MINUTE);
    r.assert_code(2);
    assert!(
        r.stderr.contains(".env.live") && r.stderr.contains("a FIFO"),
        "{}",
        r.stderr
    );
}
