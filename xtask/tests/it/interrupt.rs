//! SIGINT, SIGTERM and SIGHUP while a scenario runs (L03, L08) leave a partial
//! report (summary.txt, junit.xml valid against the schema, manifest.json, the zip) with the
//! interrupted scenario as error and the rest skipped, exit 128 + signal, and nothing
//! running: no backend or worker process, no temporary folder, no container, network or
//! volume (compose). Each case prints its measured time from the signal to the zip.

use crate::support::{assert_junit_valid, without_ambient};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Polls `check` every 10 ms until it returns `Some`, or panics after `limit` with `what`.
fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A worker that never finishes: a copy of `sleep` named after the test, so that a leftover
/// is found by its command line. Returns the wrapper for `WORKER_BIN`.
fn hanging_worker(dir: &Path, marker: &str) -> PathBuf {
    let sleeper = dir.join(marker);
    std::fs::copy("/bin/sleep", &sleeper).unwrap();
    let script = dir.join("worker.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nexec {} 600\n", sleeper.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// Pids of processes whose command line contains `needle`, or whose process group is
/// `pgid`.
fn processes(needle: Option<&str>, pgid: Option<i32>) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let cmdline = std::fs::read(e.path().join("cmdline"))
            .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
            .unwrap_or_default();
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid pgrp …: the fields after the last ')'.
        let group = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(2))
            .and_then(|g| g.parse::<i32>().ok());
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
        if zombie {
            continue;
        }
        if needle.is_some_and(|n| cmdline.contains(n)) || (pgid.is_some() && group == pgid) {
            found.push(format!("{name}: {cmdline}"));
        }
    }
    found
}

struct Running {
    child: Child,
    out: tempfile::TempDir,
    logs: tempfile::TempDir,
}

impl Running {
    fn start(args: &[&str], envs: &[(&str, &str)]) -> Running {
        let out = tempfile::tempdir().unwrap();
        let logs = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        cmd.args(args)
            .arg("--out")
            .arg(out.path())
            .current_dir(out.path())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(logs.path().join("stdout")).unwrap())
            .stderr(std::fs::File::create(logs.path().join("stderr")).unwrap());
        without_ambient(&mut cmd);
        cmd.envs(envs.iter().copied());
        Running {
            child: cmd.spawn().unwrap(),
            out,
            logs,
        }
    }

    fn output(&self) -> String {
        let read = |n: &str| std::fs::read_to_string(self.logs.path().join(n)).unwrap_or_default();
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            read("stdout"),
            read("stderr")
        )
    }

    fn run_dir(&self) -> Option<PathBuf> {
        std::fs::read_dir(self.out.path())
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_dir())
    }

    /// Waits until `scenario` has submitted its job (the backend runs it now).
    fn wait_job_of(&mut self, scenario: &str, limit: Duration) -> PathBuf {
        let needle = format!("\"event\":\"job_submitted\",\"scenario\":\"{scenario}\"");
        wait_for(&format!("{scenario}'s job to be submitted"), limit, || {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the xtask exited ({status}) early\n{}", self.output());
            }
            let dir = self.run_dir()?;
            let events = std::fs::read_to_string(dir.join("events.jsonl")).ok()?;
            events.contains(&needle).then_some(dir)
        })
    }

    /// Sends `signal`; returns the exit code, the time to the zip and the time to the exit.
    fn interrupt(&mut self, signal: i32, zip: &Path) -> (i32, Duration, Duration) {
        let t0 = Instant::now();
        // SAFETY: kill(2) on our own child.
        unsafe {
            libc::kill(self.child.id() as i32, signal);
        }
        let mut zip_at = None;
        let status = wait_for("the xtask to exit", Duration::from_secs(60), || {
            if zip_at.is_none() && zip.exists() {
                zip_at = Some(t0.elapsed());
            }
            self.child.try_wait().unwrap()
        });
        let exited = t0.elapsed();
        let zip_at = zip_at.unwrap_or(exited);
        (status.code().unwrap_or(-1), zip_at, exited)
    }
}

/// The summary.txt row of `id`: (verdict, reason).
fn row(summary: &str, id: &str) -> (String, String) {
    let line = summary
        .lines()
        .find(|l| l.split_whitespace().next() == Some(id))
        .unwrap_or_else(|| panic!("no row {id} in\n{summary}"));
    let parts: Vec<&str> = line.split_whitespace().collect();
    (parts[1].to_owned(), parts[3..].join(" "))
}

const ORDER: [&str; 13] = [
    "L01", "L02", "L03", "L04", "L05", "L06", "L07", "L08", "ROLLBACK", "M01", "M02", "M03", "M04",
];

/// What every interrupted run leaves: the partial report, valid and complete.
fn assert_partial_report(run: &Running, dir: &Path, at: &str, signal_name: &str) {
    let summary = std::fs::read_to_string(dir.join("summary.txt"))
        .unwrap_or_else(|e| panic!("summary.txt: {e}\n{}", run.output()));
    let (verdict, reason) = row(&summary, at);
    assert_eq!(verdict, "ERROR", "{summary}");
    assert!(
        reason.starts_with(&format!("interrupted by {signal_name} after ")),
        "{summary}"
    );
    let after = ORDER.iter().skip_while(|id| **id != at).skip(1);
    for id in after {
        let (verdict, reason) = row(&summary, id);
        assert_eq!(verdict, "SKIP", "{id}\n{summary}");
        assert_eq!(
            reason, "not run: the run was interrupted",
            "{id}\n{summary}"
        );
    }
    assert!(summary.contains(&format!("interrupted by {signal_name} after")));
    let junit = dir.join("junit.xml");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(&format!("interrupted by {signal_name}")),
        "{xml}"
    );
    assert_junit_valid(&junit);
    let zip = dir.with_extension("zip");
    let mut z = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let run_id = dir.file_name().unwrap().to_string_lossy().into_owned();
    for f in ["summary.txt", "junit.xml", "manifest.json", "events.jsonl"] {
        let mut entry = z
            .by_name(&format!("{run_id}/{f}"))
            .unwrap_or_else(|_| panic!("{f} not in the zip"));
        let mut s = String::new();
        entry.read_to_string(&mut s).unwrap();
        assert!(!s.is_empty(), "{f} is empty in the zip");
    }
    let stdout = std::fs::read_to_string(run.logs.path().join("stdout")).unwrap();
    assert!(
        stdout.contains(&format!("partial report: interrupted by {signal_name}")),
        "{}",
        run.output()
    );
}

/// Runs the local live suite from `at` (its job hangs or runs long), sends `signal` once
/// the job runs, and checks the report and that nothing of the stack is left.
fn local_case(signal: i32, signal_name: &str, at: &str) {
    let tools = tempfile::tempdir().unwrap();
    let marker = format!("xten-worker-{}-{at}-{signal_name}", std::process::id());
    let worker = hanging_worker(tools.path(), &marker);
    let worker = worker.to_str().unwrap().to_owned();
    // L03: a worker that never finishes its project job; L08: the real worker's long run.
    let gh = tempfile::tempdir().unwrap();
    let step_summary = gh.path().join("step-summary.md");
    let outputs = gh.path().join("outputs");
    let mut envs = vec![
        ("OPENAI_API_KEY", "sk-interrupt-test-PLANTED-77"),
        // The GitHub job still gets its outputs and step summary.
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", step_summary.to_str().unwrap()),
        ("GITHUB_OUTPUT", outputs.to_str().unwrap()),
    ];
    if at != "L08" {
        envs.push(("WORKER_BIN", &worker));
    }
    let mut run = Running::start(
        &[
            "live-suite",
            "--stack",
            "local",
            "--from",
            at,
            "--long-run-seconds",
            "300",
            "--poll-timeout",
            "300",
        ],
        &envs,
    );
    let dir = run.wait_job_of(at, Duration::from_secs(600));
    let stdout = std::fs::read_to_string(run.logs.path().join("stdout")).unwrap();
    // "local: backend pid <pid> on <url> in live mode (data in <folder>)"
    let data = stdout
        .lines()
        .find_map(|l| {
            l.split_once("(data in ")
                .map(|(_, d)| d.trim_end_matches(')'))
        })
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("no data folder line\n{}", run.output()));
    assert!(data.is_dir(), "{} before the signal", data.display());
    let backend: i32 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("local: backend pid "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no backend pid line\n{}", run.output()));
    assert!(
        !processes(None, Some(backend)).is_empty(),
        "the backend is not running before the signal"
    );
    let (code, to_zip, to_exit) = run.interrupt(signal, &dir.with_extension("zip"));
    println!(
        "local {at} {signal_name}: signal -> zip {:.2}s, -> exit {:.2}s (exit {code})",
        to_zip.as_secs_f64(),
        to_exit.as_secs_f64()
    );
    assert_eq!(code, 128 + signal, "{}", run.output());
    assert_partial_report(&run, &dir, at, signal_name);
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    let zip_line = format!("zip={}", dir.with_extension("zip").display());
    assert!(
        outputs.contains("verdict=ERROR") && outputs.contains(&zip_line),
        "{outputs}"
    );
    let md = std::fs::read_to_string(&step_summary).unwrap();
    assert!(
        md.contains(&format!("interrupted by {signal_name}")),
        "{md}"
    );
    // Nothing of the stack is left: the backend's group (workers included), the hanging
    // worker, the temporary folder.
    wait_for(
        "the stack's processes to be gone",
        Duration::from_secs(10),
        || {
            let left = [
                processes(None, Some(backend)),
                processes(Some(&marker), None),
            ]
            .concat();
            left.is_empty().then_some(())
        },
    );
    assert!(
        !data.exists(),
        "the temporary folder {} remains",
        data.display()
    );
}

#[test]
fn sigterm_at_l03_on_the_local_stack() {
    local_case(libc::SIGTERM, "SIGTERM", "L03");
}

#[test]
fn sighup_at_l03_on_the_local_stack() {
    local_case(libc::SIGHUP, "SIGHUP", "L03");
}

#[test]
fn sigint_at_l03_on_the_local_stack() {
    local_case(libc::SIGINT, "SIGINT", "L03");
}

#[test]
fn sigterm_at_l08_on_the_local_stack() {
    local_case(libc::SIGTERM, "SIGTERM", "L08");
}

#[test]
fn sighup_at_l08_on_the_local_stack() {
    local_case(libc::SIGHUP, "SIGHUP", "L08");
}

#[test]
fn sigint_at_l08_on_the_local_stack() {
    local_case(libc::SIGINT, "SIGINT", "L08");
}

fn docker(args: &[&str]) -> String {
    let o = Command::new("docker").args(args).output().unwrap();
    assert!(
        o.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Containers (workers included), volumes, networks and the run's own image tags
/// (`codex-backend:<project>`, `codex-worker:<project>`) of compose project `project`.
fn compose_leftovers(project: &str) -> Vec<String> {
    let by_project = format!("label=com.docker.compose.project={project}");
    let by_stack = format!("label=codex.stack={project}");
    let backend_tag = format!("reference=codex-backend:{project}");
    let worker_tag = format!("reference=codex-worker:{project}");
    let tag = "{{.Repository}}:{{.Tag}}";
    let mut left = Vec::new();
    for args in [
        vec!["ps", "-aq", "--filter", &by_project],
        vec!["ps", "-aq", "--filter", &by_stack],
        vec!["volume", "ls", "-q", "--filter", &by_project],
        vec!["network", "ls", "-q", "--filter", &by_project],
        vec!["image", "ls", "--format", tag, "--filter", &backend_tag],
        vec!["image", "ls", "--format", tag, "--filter", &worker_tag],
    ] {
        left.extend(docker(&args).lines().map(|l| format!("{}: {l}", args[0])));
    }
    left
}

/// Why the compose cases cannot run here, if they cannot.
fn compose_unavailable() -> Option<&'static str> {
    let engine = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output();
    let compose = [
        &["docker", "compose", "version"][..],
        &["docker-compose", "version"],
    ]
    .iter()
    .any(|c| {
        Command::new(c[0])
            .args(&c[1..])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !engine.is_ok_and(|o| o.status.success()) || !compose {
        return Some("no Docker engine or compose CLI answers");
    }
    None
}

/// The compose live suite from L08 with a long run, once L08's job runs: the run, its
/// folder and its compose project. `envs` are added to the secret the run gets.
fn compose_at_l08(envs: &[(&str, &str)]) -> (Running, PathBuf, String) {
    let mut envs = envs.to_vec();
    envs.push(("OPENAI_API_KEY", "sk-interrupt-test-PLANTED-77"));
    let mut run = Running::start(
        &[
            "live-suite",
            "--stack",
            "compose",
            "--from",
            "L08",
            "--long-run-seconds",
            "300",
            "--poll-timeout",
            "300",
        ],
        &envs,
    );
    let dir = run.wait_job_of("L08", Duration::from_secs(900));
    let stdout = std::fs::read_to_string(run.logs.path().join("stdout")).unwrap();
    let project = stdout
        .lines()
        .find_map(|l| l.strip_prefix("compose: project "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `compose: project` line\n{}", run.output()))
        .to_owned();
    assert!(
        !compose_leftovers(&project).is_empty(),
        "the stack is not running before the signal"
    );
    (run, dir, project)
}

/// SIGTERM at L08 on the compose stack (when an engine and a compose CLI answer).
#[test]
fn sigterm_at_l08_on_the_compose_stack() {
    if let Some(why) = compose_unavailable() {
        println!("skipped: {why}");
        return;
    }
    let (mut run, dir, project) = compose_at_l08(&[]);
    let (code, to_zip, to_exit) = run.interrupt(libc::SIGTERM, &dir.with_extension("zip"));
    println!(
        "compose L08 SIGTERM: signal -> zip {:.2}s, -> exit {:.2}s after the teardown (exit {code})",
        to_zip.as_secs_f64(),
        to_exit.as_secs_f64()
    );
    assert_eq!(code, 143, "{}", run.output());
    assert_partial_report(&run, &dir, "L08", "SIGTERM");
    let left = compose_leftovers(&project);
    assert!(
        left.is_empty(),
        "{project} left: {left:?}\n{}",
        run.output()
    );
}

/// A second signal while the compose teardown runs: the xtask exits at once (the user asked
/// for it), after the partial report.
#[test]
fn a_second_signal_during_the_compose_teardown_exits_at_once() {
    if let Some(why) = compose_unavailable() {
        println!("skipped: {why}");
        return;
    }
    // The teardown is over within half a second: a `docker` that holds each `rm` makes sure
    // the second signal lands in it.
    let shim = tempfile::tempdir().unwrap();
    let path = held_docker_rm(shim.path());
    let (mut run, dir, project) = compose_at_l08(&[("PATH", &path)]);
    let zip = dir.with_extension("zip");
    let t0 = Instant::now();
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(run.child.id() as i32, libc::SIGTERM);
    }
    wait_for("the partial report", Duration::from_secs(30), || {
        zip.exists().then_some(())
    });
    let to_zip = t0.elapsed();
    assert!(
        run.child.try_wait().unwrap().is_none(),
        "the xtask exited before the teardown was done: nothing left to force"
    );
    let (code, _, to_exit) = run.interrupt(libc::SIGINT, &zip);
    println!(
        "compose second signal: zip {:.2}s after the first, exit {:.2}s after the second (exit {code})",
        to_zip.as_secs_f64(),
        to_exit.as_secs_f64()
    );
    // The second signal's code.
    assert_eq!(code, 130, "{}", run.output());
    assert_partial_report(&run, &dir, "L08", "SIGTERM");
    // The held `docker rm` goes on as an orphan: let it end, then remove what the forced
    // exit left, as `cargo xtask down` would (which also removes the developer's stack, so
    // a test does not call it).
    let shim_dir = shim.path().display().to_string();
    wait_for(
        "the orphaned `docker rm` to end",
        Duration::from_secs(30),
        || processes(Some(&shim_dir), None).is_empty().then_some(()),
    );
    let removed = remove_leftovers(&project);
    println!("compose second signal: left after the forced exit: {removed:?}");
    let left = compose_leftovers(&project);
    assert!(left.is_empty(), "{project} still has {left:?}");
}

/// A `docker` first on a PATH (returned) that waits 3 s before each `rm`, then runs the
/// real one (as a child, so that the shim's folder names it in the process list).
fn held_docker_rm(dir: &Path) -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let real = std::env::split_paths(&path)
        .map(|d| d.join("docker"))
        .find(|p| p.is_file())
        .expect("docker on PATH");
    let shim = dir.join("docker");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\n[ \"$1\" = rm ] && sleep 3\n{} \"$@\"\n",
            real.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!("{}:{path}", dir.display())
}

/// Removes what is left of `project` (containers, volumes, networks, the run's image
/// tags), as `cargo xtask down` would; returns what it was.
fn remove_leftovers(project: &str) -> Vec<String> {
    // `compose_leftovers` lists containers first: they hold the volumes and the network.
    let left = compose_leftovers(project);
    for item in &left {
        let (kind, id) = item.split_once(": ").unwrap();
        let args: Vec<&str> = match kind {
            "ps" => vec!["rm", "-f", id],
            "volume" => vec!["volume", "rm", "-f", id],
            "network" => vec!["network", "rm", id],
            // Untags only: the image itself stays while its content tag names it.
            _ => vec!["rmi", id],
        };
        let _ = Command::new("docker").args(&args).output();
    }
    left
}
