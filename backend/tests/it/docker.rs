//! The Docker runner against the real engine (`/var/run/docker.sock`), skipped with a printed
//! reason when the engine does not answer. Builds the static worker with the project's
//! static-build command, a FROM-scratch image under a unique tag, runs live jobs through
//! the backend, checks the container's labels while it runs, that it is removed afterwards
//! (also after a timeout), and removes the image at the end.

use crate::server::{target_dir, Opts, Server};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

const SOCKET: &str = "/var/run/docker.sock";

/// `None` when the engine answers `GET /_ping`, else why not.
pub(crate) fn engine_unavailable() -> Option<String> {
    let mut s = match UnixStream::connect(SOCKET) {
        Ok(s) => s,
        Err(e) => return Some(format!("cannot connect to {SOCKET}: {e}")),
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if let Err(e) = s.write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n") {
        return Some(format!("writing to {SOCKET}: {e}"));
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    if !out.starts_with("HTTP/1.") || !out.contains(" 200 ") {
        return Some(format!(
            "the engine did not answer /_ping with 200: {out:?}"
        ));
    }
    match Command::new("docker").arg("version").output() {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "docker CLI failed: {}",
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Some(format!(
            "docker CLI not found (needed to build the test image): {e}"
        )),
    }
}

/// The static worker, built with exactly the command the images use (artifacts shared).
pub(crate) fn static_worker() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = target_dir();
    let out = Command::new(cargo)
        .env(
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
            "-C target-feature=+crt-static",
        )
        .args([
            "build",
            "--profile",
            "image",
            "--target",
            "x86_64-unknown-linux-gnu",
            "-p",
            "codex-backend",
            "-p",
            "codex-worker",
            "--target-dir",
        ])
        .arg(&target)
        .output()
        .expect("running the static cargo build");
    assert!(
        out.status.success(),
        "static build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("x86_64-unknown-linux-gnu/image/codex-worker")
}

/// Unique per test process and call: names images, stacks and volumes of one test.
pub(crate) fn unique() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// A FROM-scratch worker image of `worker` under `tag`, as the compose stack builds it.
pub(crate) fn build_worker_image(worker: &Path, tag: &str) {
    let ctx = tempfile::tempdir().unwrap();
    std::fs::copy(worker, ctx.path().join("codex-worker")).unwrap();
    std::fs::write(
        ctx.path().join("Dockerfile"),
        "FROM scratch\nCOPY codex-worker /codex-worker\nUSER 65532:65532\nENTRYPOINT [\"/codex-worker\"]\n",
    )
    .unwrap();
    docker(&["build", "-q", "-t", tag, &ctx.path().display().to_string()]);
}

pub(crate) fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The test's worker image, stack id and volume; dropped, it removes the image and any
/// container of the stack, whatever happened.
struct TestStack {
    image: String,
    stack: String,
    volume: String,
}

impl Drop for TestStack {
    fn drop(&mut self) {
        let filter = format!("label=codex.stack={}", self.stack);
        if let Ok(o) = Command::new("docker")
            .args(["ps", "-aq", "--filter", &filter])
            .output()
        {
            for id in String::from_utf8_lossy(&o.stdout).split_whitespace() {
                let _ = Command::new("docker").args(["rm", "-f", id]).output();
            }
        }
        let _ = Command::new("docker")
            .args(["rmi", "-f", &self.image])
            .output();
        let _ = Command::new("docker")
            .args(["volume", "rm", "-f", &self.volume])
            .output();
    }
}

fn containers(filters: &[String]) -> Vec<String> {
    let mut args = vec!["ps".to_string(), "-aq".to_string()];
    for f in filters {
        args.push("--filter".into());
        args.push(f.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    docker(&args).split_whitespace().map(String::from).collect()
}

#[test]
fn docker_runner_runs_one_container_per_job_and_removes_it() {
    if let Some(reason) = engine_unavailable() {
        println!("skipped: {reason}");
        return;
    }
    let worker = static_worker();
    let unique = unique();
    let stack = TestStack {
        image: format!("codex-backend-test-worker:{unique}"),
        stack: format!("backend-test-{unique}"),
        volume: format!("codex-backend-test-{unique}"),
    };
    build_worker_image(&worker, &stack.image);
    one_live_job_runs_in_a_labelled_container(&stack);
    a_timeout_kills_and_removes_the_container(&stack);
    the_workspace_volume_is_mounted_at_the_root(&stack);
    a_missing_image_is_a_job_error(&unique);
}

impl TestStack {
    /// A backend in live mode whose jobs run in this stack's worker image.
    fn live(&self, extra: &[(&str, &str)], dir: Option<Arc<tempfile::TempDir>>) -> Server {
        let mut o = Opts::mocked()
            .env("USE_DUMMY_WORKER", "False")
            .env("WORKER_RUNNER", "docker")
            .env("CODEX_WORKER_IMAGE", &self.image)
            .env("CODEX_STACK_ID", &self.stack)
            .env("WORKER_USER", "65532:65532")
            .env("OPENAI_API_KEY", "sk-docker-test-never-printed");
        for (k, v) in extra {
            o = o.env(k, v);
        }
        if let Some(d) = dir {
            o = o.dir(d);
        }
        Server::start(o)
    }
}

/// One live job: labels while it runs (SLEEP_SECONDS is passed through), completed, removed.
fn one_live_job_runs_in_a_labelled_container(t: &TestStack) {
    let stack = &t.stack;
    let s = t.live(&[("SLEEP_SECONDS", "2")], None);
    let pid = s.create_project("Create a Python CLI that prints Fibonacci numbers");
    let jid = s.initial_job(&pid);
    let labels = vec![
        "label=codex.managed=true".to_string(),
        format!("label=codex.project_id={pid}"),
        format!("label=codex.job_id={jid}"),
        format!("label=codex.stack={stack}"),
    ];
    s.poll(
        "the worker container with its labels",
        Duration::from_secs(60),
        || (containers(&labels).len() == 1).then_some(()),
    );
    let job = s.wait_job(&pid, &jid);
    assert_eq!(job["status"], "completed", "{job}\n{}", s.logs().join("\n"));
    let result = s.read_result(&pid);
    assert_eq!(result["job_id"], jid.as_str());
    let logs: Vec<&str> = result["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.as_str())
        .collect();
    assert!(logs.contains(&"OPENAI_API_KEY=present"), "{logs:?}");
    let ws = s.workspace(&pid);
    let log = std::fs::read_to_string(ws.join(".codex/worker.log")).unwrap();
    assert!(log.contains("codex-worker"), "worker output saved: {log:?}");
    assert!(!log.contains("sk-docker-test-never-printed"));
    {
        use std::os::unix::fs::MetadataExt;
        assert_eq!(
            std::fs::metadata(ws.join("app.py")).unwrap().uid(),
            65532,
            "ran as WORKER_USER"
        );
    }
    assert!(s.list_files(&pid).iter().any(|f| f.path == "app.py"));
    assert!(
        containers(&[format!("label=codex.job_id={jid}")]).is_empty(),
        "container left behind"
    );
}

/// Timeout: the container is killed and removed, the job ends in error.
fn a_timeout_kills_and_removes_the_container(t: &TestStack) {
    let s = t.live(
        &[("SLEEP_SECONDS", "60"), ("WORKER_TIMEOUT_SECONDS", "1")],
        None,
    );
    let pid = s.create_project("Create a Python CLI that sleeps");
    let jid = s.initial_job(&pid);
    let job = s.wait_job(&pid, &jid);
    assert_eq!(job["status"], "error", "{job}");
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .contains("WORKER_TIMEOUT_SECONDS=1"),
        "{job}"
    );
    assert!(
        containers(&[format!("label=codex.job_id={jid}")]).is_empty(),
        "container left behind after timeout"
    );
}

/// WORKSPACE_VOLUME (how compose runs it): the worker mounts the named volume at
/// WORKSPACE_ROOT. A bind-backed volume over the test's root makes the same files visible
/// to the backend on the host.
fn the_workspace_volume_is_mounted_at_the_root(t: &TestStack) {
    let volume = &t.volume;
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let root = dir.path().join("workspaces");
    std::fs::create_dir(&root).unwrap();
    let device = format!("device={}", root.display());
    docker(&[
        "volume",
        "create",
        "--driver",
        "local",
        "--opt",
        "type=none",
        "--opt",
        "o=bind",
        "--opt",
        &device,
        volume,
    ]);
    let s = t.live(&[("WORKSPACE_VOLUME", volume)], Some(dir));
    let pid = s.create_project("Create a Python CLI that prints Fibonacci numbers");
    let jid = s.initial_job(&pid);
    let job = s.wait_job(&pid, &jid);
    assert_eq!(job["status"], "completed", "{job}");
    assert!(s.workspace(&pid).join("app.py").exists());
    assert!(containers(&[format!("label=codex.job_id={jid}")]).is_empty());
}

/// A missing image is a clear job error, not a crash.
fn a_missing_image_is_a_job_error(unique: &str) {
    let s = Server::start(Opts::mocked().env("USE_DUMMY_WORKER", "False").env(
        "CODEX_WORKER_IMAGE",
        &format!("codex-backend-test-missing:{unique}"),
    ));
    let pid = s.create_project("make a cli");
    let job = s.wait_job(&pid, &s.initial_job(&pid));
    assert_eq!(job["status"], "error");
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .contains("CODEX_WORKER_IMAGE"),
        "{job}"
    );
}
