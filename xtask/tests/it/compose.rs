//! End-to-end compose run: `cargo xtask live-suite --stack compose` against the real
//! Docker engine. Asserts exit 0, exactly one worker container per live job (the engine's
//! own `create` events, matched by their `codex.job_id` label to the `job_id`s in the live
//! results), and that no container, volume or network of the run remains.
//! Without an answering engine (or compose CLI) it prints `skipped: <reason>` and returns.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

pub fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .output()
        .map_err(|e| format!("docker {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "docker {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Why this test cannot run here, if it cannot.
pub fn skip_reason() -> Option<String> {
    if let Err(e) = docker(&["version", "--format", "{{.Server.Version}}"]) {
        return Some(format!("no Docker engine answers ({e})"));
    }
    let v2 = Command::new("docker").args(["compose", "version"]).output();
    let v1 = Command::new("docker-compose").arg("version").output();
    let works = |r: std::io::Result<std::process::Output>| r.is_ok_and(|o| o.status.success());
    if !works(v2) && !works(v1) {
        return Some("neither `docker compose` nor `docker-compose` is installed".into());
    }
    None
}

/// Engine time now, for `docker events --since/--until` (unix seconds, fractional).
fn engine_now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    format!("{}.{:09}", d.as_secs(), d.subsec_nanos())
}

/// `job_id`s of the live results (L02 shares L01's job, so the set is what counts).
fn live_job_ids(out: &Path) -> BTreeSet<String> {
    let runs: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .collect();
    assert_eq!(
        runs.len(),
        1,
        "one run folder expected in {}",
        out.display()
    );
    let live = runs[0].path().join("live");
    let mut ids = BTreeSet::new();
    for entry in std::fs::read_dir(&live).unwrap() {
        let result = entry.unwrap().path().join("result.json");
        if let Ok(text) = std::fs::read_to_string(&result) {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            if let Some(id) = v["job_id"].as_str() {
                ids.insert(id.to_owned());
            }
        }
    }
    ids
}

#[test]
fn compose_live_suite_runs_one_worker_per_live_job_and_leaves_nothing() {
    if let Some(why) = skip_reason() {
        println!("skipped: {why}");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let since = engine_now();
    let t = Instant::now();
    let run = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "live-suite",
            "--stack",
            "compose",
            "--long-run-seconds",
            "1",
            // Our backend honours the full contract: any observation fails.
            "--strict",
        ])
        .arg("--out")
        .arg(out.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        // A planted key: it must reach the worker containers (presence) and no file.
        .env("OPENAI_API_KEY", PLANTED)
        .env_remove("OPENAI_ORG_ID")
        .env_remove("OPENAI_PROJECT")
        // Run inside a GitHub step, this run must not write that step's summary and outputs.
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let wall = t.elapsed();
    let until = engine_now();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    let shown = format!("--- stdout\n{stdout}\n--- stderr\n{}", tail(&stderr, 60));
    assert_eq!(run.status.code(), Some(0), "live-suite failed:\n{shown}");
    println!("compose live-suite wall time: {:.1}s", wall.as_secs_f64());

    // The project the run used, as it printed it ("compose: project <name> with ...").
    let project = stdout
        .lines()
        .find_map(|l| l.strip_prefix("compose: project "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `compose: project` line:\n{shown}"))
        .to_owned();

    // One worker container per live job: the engine's create events for this stack.
    let label = format!("label=codex.stack={project}");
    let created = containers_created(&label, &since, &until);
    let created_set: BTreeSet<String> = created.iter().cloned().collect();
    let jobs = live_job_ids(out.path());
    assert_eq!(
        jobs.len(),
        5,
        "L01, L05, L06, L07 and L08 each run one live job: {jobs:?}"
    );
    assert_eq!(
        created.len(),
        created_set.len(),
        "a job got more than one container: {created:?}"
    );
    assert_eq!(
        created_set, jobs,
        "worker containers created (by codex.job_id) differ from the live jobs"
    );

    // The secret went through compose and the backend into the worker, by name only.
    let (l01, files) = evidence(out.path());
    assert!(
        l01.contains("OPENAI_API_KEY=present"),
        "the worker did not see the key: {l01}"
    );
    for (path, bytes) in files {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(PLANTED),
            "the key's value is in {}",
            path.display()
        );
    }
    println!(
        "{project}: {} worker containers created, one per live job",
        created.len()
    );

    assert_nothing_left(&project, &label);
}

/// The `codex.job_id` of each container created with `label` between `since` and `until`,
/// from the engine's events.
fn containers_created(label: &str, since: &str, until: &str) -> Vec<String> {
    let events = docker(&[
        "events",
        "--since",
        since,
        "--until",
        until,
        "--filter",
        "type=container",
        "--filter",
        "event=create",
        "--filter",
        label,
        "--format",
        "{{json .Actor.Attributes}}",
    ])
    .unwrap();
    events
        .lines()
        .map(|l| {
            let attrs: serde_json::Value = serde_json::from_str(l).unwrap();
            attrs["codex.job_id"].as_str().unwrap_or("").to_owned()
        })
        .collect()
}

/// Nothing of the run remains: containers, worker containers, volumes, networks, image tags.
fn assert_nothing_left(project: &str, label: &str) {
    let project_label = format!("label=com.docker.compose.project={project}");
    for (what, args) in [
        ("containers", vec!["ps", "-aq", "--filter", &project_label]),
        ("worker containers", vec!["ps", "-aq", "--filter", label]),
        (
            "volumes",
            vec!["volume", "ls", "-q", "--filter", &project_label],
        ),
        (
            "networks",
            vec!["network", "ls", "-q", "--filter", &project_label],
        ),
    ] {
        let left = docker(&args).unwrap();
        assert!(left.trim().is_empty(), "{what} of {project} remain: {left}");
    }
    // The run's own image tags (parallel runs never replace each other's).
    for image in ["codex-backend", "codex-worker"] {
        let left = docker(&["image", "ls", "-q", &format!("{image}:{project}")]).unwrap();
        assert!(
            left.trim().is_empty(),
            "image tag {image}:{project} remains"
        );
    }
    let names = docker(&["volume", "ls", "-q"]).unwrap() + &docker(&["network", "ls"]).unwrap();
    assert!(
        !names.contains(&format!("{project}_")),
        "a volume or network named {project}_* remains:\n{names}"
    );
}

const PLANTED: &str = "sk-compose-test-PLANTED-5f2c9a";

/// L01's result.json and every file the run wrote (the zip included).
fn evidence(out: &Path) -> (String, Vec<(std::path::PathBuf, Vec<u8>)>) {
    let mut files = Vec::new();
    let mut dirs = vec![out.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.push((path, bytes));
            }
        }
    }
    let l01 = files
        .iter()
        .find(|(p, _)| p.ends_with("live/L01/result.json"))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .expect("live/L01/result.json");
    (l01, files)
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Removes a kept-up run's stack and image tags, also when an assertion failed.
struct KeptUp(String);

impl Drop for KeptUp {
    fn drop(&mut self) {
        let p = &self.0;
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docker-compose.yml");
        let args = [
            "-p",
            p,
            "-f",
            file.to_str().unwrap(),
            "down",
            "-v",
            "-t",
            "1",
        ];
        let v2 = Command::new("docker")
            .arg("compose")
            .args(args)
            .env("CODEX_STACK_ID", p)
            .output();
        if !v2.is_ok_and(|o| o.status.success()) {
            let _ = Command::new("docker-compose")
                .args(args)
                .env("CODEX_STACK_ID", p)
                .output();
        }
        let _ = docker(&[
            "rmi",
            &format!("codex-backend:{p}"),
            &format!("codex-worker:{p}"),
        ]);
    }
}

/// The backend port is published on 127.0.0.1 by default (`docker port`), the
/// run's images carry its own tags, and `--keep-up` keeps them.
#[test]
fn compose_publishes_the_backend_on_loopback_by_default() {
    if let Some(why) = skip_reason() {
        println!("skipped: {why}");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    // A temporary folder of its own: the kept run's journal goes with it (`KeptUp`
    // removes the stack itself).
    let tmp = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["live-suite", "--stack", "compose", "--only", "L01"])
        .args(["--no-rollback", "--keep-up"])
        .arg("--out")
        .arg(out.path())
        .env("TMPDIR", tmp.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let project = stdout
        .lines()
        .find_map(|l| l.strip_prefix("compose: project "))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_owned);
    let _cleanup = project.clone().map(KeptUp);
    let shown = format!(
        "--- stdout\n{stdout}\n--- stderr\n{}",
        tail(&String::from_utf8_lossy(&run.stderr), 40)
    );
    assert_eq!(run.status.code(), Some(0), "live-suite failed:\n{shown}");
    let project = project.unwrap_or_else(|| panic!("no `compose: project` line:\n{shown}"));
    let backend = docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.compose.project={project}"),
        "--filter",
        "label=com.docker.compose.service=backend",
    ])
    .unwrap();
    let published = docker(&["port", backend.trim(), "8000"]).unwrap();
    let addresses: Vec<&str> = published.lines().collect();
    assert!(
        !addresses.is_empty() && addresses.iter().all(|a| a.starts_with("127.0.0.1:")),
        "the backend port is published beyond loopback: {published}"
    );
    assert!(
        !stdout.contains("warning: the backend port is published"),
        "{shown}"
    );
    let image = docker(&["inspect", "--format", "{{.Config.Image}}", backend.trim()]).unwrap();
    assert_eq!(image.trim(), format!("codex-backend:{project}"));
}
