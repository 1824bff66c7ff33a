//! What a person or a program sees: colour on a real terminal (tmux) and none under
//! `NO_COLOR`, no line wider than the terminal, `--quiet`, `--verbose`, `--message-format
//! json`, a dead URL refused before any scenario, and the exit line of a failure.

use crate::support::fake_backend::{self, Config, Fake};
use crate::support::{local_suite_with_worker, without_ambient, xtask, Run};
use std::process::Command;
use std::time::{Duration, Instant};

fn mocked_twin() -> Fake {
    fake_backend::start(Config {
        mocked: true,
        healthz: true,
        ..Default::default()
    })
}

/// `live-suite` against `live` (and its twin) with `flags`, evidence in a temporary folder.
fn suite_against(live: &Fake, mocked: Option<&Fake>, flags: &[&str]) -> (Run, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["live-suite", "--base-url", &live.url];
    if let Some(m) = mocked {
        args.extend(["--mocked-base-url", &m.url]);
    }
    args.extend(["--long-run-seconds", "1", "--poll-timeout", "20"]);
    args.extend(flags);
    let run = xtask(&args, &[], out.path());
    (run, out)
}

/// A URL where nothing listens (a port that was free a moment ago).
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", l.local_addr().unwrap())
}

/// The real xtask in a real terminal: a private tmux server (its own socket, no config),
/// `width` columns, `env` only (plus PATH). Returns the whole pane, wrapped lines joined
/// (`-J`), with its colours as escape sequences when `colours`; `None` without tmux.
fn in_tmux(width: u16, args: &[&str], env: &[(&str, &str)], colours: bool) -> Option<String> {
    if Command::new("tmux").arg("-V").output().is_err() {
        println!("skipped: tmux is not installed (apt-get install tmux)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("tmux.sock");
    let done = dir.path().join("done");
    let mut line = vec![env!("CARGO_BIN_EXE_xtask").to_owned()];
    line.extend(args.iter().map(|a| a.to_string()));
    let script = format!(
        "{}; echo $? > {}; sleep 60",
        line.iter()
            .map(|a| shell_quote(a))
            .collect::<Vec<_>>()
            .join(" "),
        shell_quote(&done.display().to_string())
    );
    let tmux = |args: &[&str]| {
        let mut cmd = Command::new("tmux");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .arg("-S")
            .arg(&socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let width = width.to_string();
    let started = tmux(&["new-session", "-d", "-x", &width, "-y", "60", &script]);
    assert!(started.status.success(), "{started:?}");
    let deadline = Instant::now() + Duration::from_secs(180);
    while !done.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut capture = vec!["capture-pane", "-p", "-J", "-S", "-"];
    if colours {
        capture.push("-e");
    }
    let pane = String::from_utf8_lossy(&tmux(&capture).stdout).into_owned();
    let _ = tmux(&["kill-server"]);
    assert!(done.exists(), "the run did not end in time:\n{pane}");
    Some(pane)
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn a_terminal_gets_colour_and_lines_within_its_width_and_no_color_turns_colour_off() {
    let live = fake_backend::start(Config::default());
    let mocked = mocked_twin();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().to_str().unwrap().to_owned();
    let args = [
        "live-suite",
        "--base-url",
        &live.url,
        "--mocked-base-url",
        &mocked.url,
        "--long-run-seconds",
        "1",
        "--poll-timeout",
        "20",
        "--out",
        &out,
    ];
    let Some(coloured) = in_tmux(80, &args, &[], true) else {
        return;
    };
    assert!(coloured.contains("exit 0"), "{coloured}");
    assert!(
        coloured.contains("\u{1b}[32mPASS") || coloured.contains("\u{1b}[32m\u{1b}"),
        "no green PASS on a terminal:\n{coloured}"
    );
    let plain = in_tmux(80, &args, &[("NO_COLOR", "1")], true).unwrap();
    assert!(
        plain.contains("exit 0: every scenario that ran passed"),
        "{plain}"
    );
    assert!(!plain.contains('\u{1b}'), "colour under NO_COLOR:\n{plain}");
    // Wrapped lines joined: a line the suite wrote wider than the terminal shows whole.
    let text = in_tmux(80, &args, &[], false).unwrap();
    for line in text.lines() {
        let width = line.trim_end().chars().count();
        assert!(width <= 80, "{width} columns: {line}\n{text}");
    }
    assert!(text.contains('…'), "the long reasons are cut:\n{text}");
}

#[test]
fn message_format_json_puts_the_events_of_events_jsonl_on_stdout_and_people_on_stderr() {
    let live = fake_backend::start(Config::default());
    let mocked = mocked_twin();
    let (run, _out) = suite_against(&live, Some(&mocked), &["--message-format", "json"]);
    run.assert_code(0);
    let mut lines = run.stdout.lines();
    // The format line first, as in events.jsonl.
    assert_eq!(
        lines.next(),
        Some(r#"{"events_format":1}"#),
        "{}",
        run.stdout
    );
    let events: Vec<serde_json::Value> = lines
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"run_started"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"run_finished"), "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "scenario_finished").count(),
        13
    );
    // The same events, serialized the same way, as the file.
    let file = run.read("events.jsonl");
    assert_eq!(
        run.stdout.lines().collect::<Vec<_>>(),
        file.lines().collect::<Vec<_>>()
    );
    assert!(
        run.stderr
            .contains("exit 0: every scenario that ran passed"),
        "{}",
        run.stderr
    );
}

#[test]
fn quiet_prints_the_tally_alone_and_verbose_each_request() {
    let live = fake_backend::start(Config::default());
    let mocked = mocked_twin();
    let (quiet, _out) = suite_against(&live, Some(&mocked), &["--quiet"]);
    quiet.assert_code(0);
    let lines: Vec<&str> = quiet.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", quiet.stdout);
    // The original-like fake makes three observations (no job_id, no /healthz, …).
    assert!(
        lines[0].starts_with("13 passed, 0 failed, 0 skipped, 3 observations in "),
        "{lines:?}"
    );
    let (verbose, _out) = suite_against(&live, Some(&mocked), &["--verbose", "--only", "l03"]);
    verbose.assert_code(0);
    let requests: Vec<&str> = verbose
        .stdout
        .lines()
        .filter(|l| l.starts_with("  GET /api/v1/") || l.starts_with("  POST /api/v1/"))
        .collect();
    assert!(
        requests.iter().any(|l| l.contains("/files 200 ")),
        "{}",
        verbose.stdout
    );
    assert!(requests.iter().all(|l| l.ends_with('s')), "{requests:?}");
}

#[test]
fn a_dead_base_url_or_mocked_twin_is_exit_2_before_any_scenario() {
    let live = fake_backend::start(Config::default());
    let dead = dead_url();
    for (base, mocked, named) in [
        (dead.as_str(), None, "--base-url"),
        (live.url.as_str(), Some(dead.as_str()), "--mocked-base-url"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let mut args = vec!["live-suite", "--base-url", base];
        if let Some(m) = mocked {
            args.extend(["--mocked-base-url", m]);
        }
        // A health timeout far longer than the test: a refused connection must not wait.
        args.extend(["--health-timeout", "600"]);
        let run = xtask(&args, &[], out.path());
        run.assert_code(2);
        let why = format!("{named} {dead}: connection refused, nothing listens there; fix:");
        assert!(run.stderr.contains(&why), "{}", run.stderr);
        assert!(
            !run.stdout.contains("L01"),
            "a scenario ran:\n{}",
            run.stdout
        );
        assert!(!run.run_dir.join("live").exists(), "{:?}", run.files());
        assert!(run.read("setup_error.txt").contains(&why));
    }
}

#[test]
fn only_a_mocked_id_skips_the_live_ladder_rolls_back_and_runs_it_alone() {
    let live = fake_backend::start(Config::default());
    let mocked = mocked_twin();
    let (run, _out) = suite_against(&live, Some(&mocked), &["--only", "m03"]);
    run.assert_code(0);
    assert_eq!(
        run.verdict("L01"),
        ("SKIP".into(), "not selected (--only M03)".into())
    );
    assert_eq!(run.verdict("ROLLBACK").0, "PASS");
    assert_eq!(run.verdict("M01").0, "SKIP");
    assert_eq!(run.verdict("M03").0, "PASS");
    // M03 made its own project, as M01 would have, beside its own evidence.
    let files = run.files();
    assert!(
        files.contains(&"mocked/RERUN/M03/setup/project_id.txt".to_owned()),
        "{files:#?}"
    );
    assert!(
        files.contains(&"mocked/RERUN/M03/app.json".to_owned()),
        "{files:#?}"
    );
}

#[test]
fn a_failure_on_an_external_backend_names_its_notes_and_no_logs_it_lacks() {
    let live = fake_backend::start(Config {
        edit_error_keeps_result: true,
        ..Default::default()
    });
    let (run, _out) = suite_against(&live, None, &[]);
    run.assert_code(1);
    let notes = run.read("live/L05/notes.txt");
    assert!(!notes.contains("logs.txt"), "{notes}");
    assert!(notes.contains("read it where the backend runs"), "{notes}");
    let exit = run
        .stdout
        .lines()
        .find(|l| l.starts_with("exit 1: L05 FAIL: "))
        .unwrap();
    assert!(exit.contains("left only the previous job's"), "{exit}");
    let notes_line = format!(
        "notes:   {}",
        run.run_dir.join("live/L05/notes.txt").display()
    );
    assert!(run.stdout.contains(&notes_line), "{}", run.stdout);
    assert!(
        run.stdout.contains("\n4 passed, 1 failed, 8 skipped, "),
        "{}",
        run.stdout
    );
}

#[test]
fn a_crashed_worker_fails_with_the_backends_own_words_in_the_exit_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = local_suite_with_worker(
        dir.path(),
        "crash.sh",
        "#!/bin/sh\nexit 1\n",
        &["--no-rollback"],
    );
    run.assert_code(1);
    let exit = run
        .stdout
        .lines()
        .find(|l| l.starts_with("exit 1: L01 FAIL: "))
        .unwrap();
    assert!(
        exit.contains(
            "; the backend says: the worker exited with code 1 without writing \
             .codex/result.json (see .codex/worker.log)"
        ),
        "{exit}"
    );
    // The local stack captures the backend's output: notes.txt may point at it.
    assert!(run.read("live/L01/notes.txt").contains("logs.txt"));
}

#[test]
fn doctor_says_what_a_run_needs_one_line_each_and_exits_2_when_it_cannot_start() {
    let live = fake_backend::start(Config::default());
    let dead = dead_url();
    let out = tempfile::tempdir().unwrap();
    let doctor = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.arg("doctor").args(args).current_dir(out.path());
        without_ambient(&mut cmd);
        cmd.output().unwrap()
    };
    let o = doctor(&["--base-url", &live.url, "--mocked-base-url", &dead]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{text}");
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix:?} in\n{text}"))
            .to_owned()
    };
    assert_eq!(
        line("ok    docker"),
        "ok    docker: not needed: this stack runs without it"
    );
    assert!(line("ok    secrets: ").contains("OPENAI_API_KEY=absent"));
    assert_eq!(
        line("ok    --base-url: "),
        format!(
            "ok    --base-url: {} answers healthy in live mode",
            live.url
        )
    );
    assert!(line("FAIL  --mocked-base-url: ").contains("connection refused"));
    assert_eq!(
        text.lines().last(),
        Some("doctor: a run cannot start: 1 check failed (exit 2)")
    );
    let o = doctor(&["--stack", "local", "--config", "no-such.toml"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{text}");
    assert!(text.contains("FAIL  config: "), "{text}");
    let o = doctor(&["--stack", "local"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn completions_and_the_version_come_from_the_command_line_itself() {
    let o = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let script = String::from_utf8_lossy(&o.stdout);
    assert!(script.contains("--mocked-base-url") && script.contains("live-suite"));
    let o = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&o.stdout);
    assert!(
        version.starts_with(&format!("xtask {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
}
