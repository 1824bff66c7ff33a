//! No orphan ever writes, with real processes and a real SQLite file:
//! `kill -9` of the backend while 4 jobs run on the process runner, then a restart on the
//! same data; a worker that escaped the death signal (a grandchild) and is killed by the
//! next start; one backend per database. Workers are found through `/proc` by their
//! working directory (the project workspace, unique to each test).

use crate::docker::{build_worker_image, docker, engine_unavailable, static_worker, unique};
use crate::server::{script, spawn_backend, worker_bin, Opts, Server};
use std::path::Path;
use std::time::{Duration, Instant};

/// Long enough that the killed jobs' workers are still sleeping when the backend dies and
/// when the new backend starts: a worker that lived on would write after that.
const OLD_JOB_SECONDS: &str = "60";
const GONE_TIMEOUT: Duration = Duration::from_secs(15);

/// Live (not zombie) `codex-worker` processes whose working directory is under `root`.
fn workers_under(root: &Path) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((comm, rest)) = stat.split_once(" (").and_then(|(_, r)| r.rsplit_once(") "))
        else {
            continue;
        };
        let in_root =
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|c| c.starts_with(root));
        if comm == "codex-worker" && !rest.starts_with('Z') && in_root {
            out.push(pid);
        }
    }
    out.sort();
    out
}

/// Kills, when the test ends (also by a failed assertion), any worker still running under
/// its root, so that a failing run leaves no process behind either.
struct Reaper(std::path::PathBuf);

impl Drop for Reaper {
    fn drop(&mut self) {
        for pid in workers_under(&self.0) {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    }
}

/// Bounded poll (25 ms steps) until `f` answers `Some`.
fn poll<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Starts `n` projects whose initial jobs run with long-sleeping workers; returns
/// `(project id, job id)` once all `n` workers are running.
fn start_long_jobs(s: &Server, n: usize) -> Vec<(String, String)> {
    let jobs: Vec<(String, String)> = (0..n)
        .map(|i| {
            let p = s.create_project(&format!("a fibonacci CLI number {i}"));
            let j = s.initial_job(&p);
            (p, j)
        })
        .collect();
    for (p, j) in &jobs {
        s.wait_status(p, j, "in_progress");
    }
    let root = s.workspace("");
    poll(&format!("{n} running workers"), GONE_TIMEOUT, || {
        (workers_under(&root).len() == n).then_some(())
    });
    // The backend records each worker just after spawning it: a kill before the record
    // would leave the next start nothing to find.
    let db = s.db_path();
    poll(&format!("{n} recorded workers"), GONE_TIMEOUT, || {
        (recorded_workers(&db) == n as i64).then_some(())
    });
    jobs
}

/// The rows of `worker_processes`, read from the live database (0 while it is busy).
fn recorded_workers(db: &Path) -> i64 {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    rusqlite::Connection::open_with_flags(db, flags)
        .and_then(|c| c.query_row("SELECT count(*) FROM worker_processes", [], |r| r.get(0)))
        .unwrap_or(0)
}

/// After the restart: every old job is `error` (interrupted), wrote no result anywhere, and
/// a new edit on its project completes and keeps its result.
fn assert_old_jobs_silent_and_new_edit_survives(s: &Server, old: &[(String, String)]) {
    for (p, j) in old {
        let job = s.get(&format!("/api/v1/{p}/jobs/{j}")).json();
        assert_eq!(job["status"], "error", "{job}");
        assert_eq!(job["error"], "interrupted by restart", "{job}");
    }
    let (p, _) = &old[0];
    let edit = s.create_job(p, "edit", "Add a comment describing the CLI usage");
    let job = s.wait_job(p, &edit);
    assert_eq!(job["status"], "completed", "{job}");
    let root = s.workspace("");
    assert!(workers_under(&root).is_empty(), "a worker outlived its job");
    // No process of the old jobs is left, so nothing can overwrite this any more.
    let result = s.read_result(p);
    assert_eq!(result["job_id"], edit.as_str(), "{result}");
    for (p, j) in old {
        let ws = s.workspace(p);
        let late = ws.join(format!(".codex/history/{j}/result.json"));
        assert!(!late.exists(), "dead job {j} wrote {}", late.display());
        if p != &old[0].0 {
            assert!(
                !ws.join(".codex/result.json").exists(),
                "dead job {j} wrote a result"
            );
        }
    }
}

#[test]
fn kill_9_with_four_running_jobs_leaves_no_worker_and_no_write() {
    let started = Instant::now();
    let worker = worker_bin();
    let s = Server::start(Opts::process(&worker).env("SLEEP_SECONDS", OLD_JOB_SECONDS));
    let dir = s.dir.clone();
    let root = s.workspace("");
    let _reaper = Reaper(root.clone());
    let old = start_long_jobs(&s, 4);
    let pids = workers_under(&root);

    drop(s); // SIGKILL, as `kill -9` sends.
    poll(
        "the 4 workers to die with their backend",
        GONE_TIMEOUT,
        || workers_under(&root).is_empty().then_some(()),
    );
    for pid in pids {
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists()
                || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|s| s.contains(") Z")),
            "worker {pid} outlived the backend"
        );
    }

    let s = Server::start(Opts::process(&worker).dir(dir));
    assert_old_jobs_silent_and_new_edit_survives(&s, &old);
    eprintln!("kill_9_with_four_running_jobs: {:?}", started.elapsed());
}

#[test]
fn the_next_start_kills_a_worker_the_death_signal_missed() {
    let started = Instant::now();
    let worker = worker_bin();
    let tools = tempfile::tempdir().unwrap();
    // The death signal reaches the backend's child only: this wrapper's child, the real
    // worker, lives on (PPID 1) in the recorded process group, as an agent's children would.
    let wrapper = script(
        tools.path(),
        "wrapped-worker",
        &format!("'{}' &\nwait $!", worker.display()),
    );
    let s = Server::start(Opts::process(&wrapper).env("SLEEP_SECONDS", OLD_JOB_SECONDS));
    let dir = s.dir.clone();
    let root = s.workspace("");
    let _reaper = Reaper(root.clone());
    let old = start_long_jobs(&s, 1);

    drop(s); // SIGKILL
    let escaped = workers_under(&root);
    assert_eq!(
        escaped.len(),
        1,
        "the grandchild should survive the backend's death"
    );

    let s = Server::start(Opts::process(&worker).dir(dir));
    // Start-up waits for the killed groups, so the worker is gone once the API answers.
    assert!(
        workers_under(&root).is_empty(),
        "the escaped worker is still running"
    );
    assert!(
        s.logs()
            .iter()
            .any(|l| l.contains("killed worker processes an earlier backend left")),
        "{:?}",
        s.logs()
    );
    assert_old_jobs_silent_and_new_edit_survives(&s, &old);
    eprintln!("the_next_start_kills_a_worker: {:?}", started.elapsed());
}

#[test]
fn a_second_backend_on_the_same_database_refuses_to_start() {
    let started = Instant::now();
    let s = Server::start(Opts::mocked());
    let mut second = spawn_backend(&Opts::mocked(), s.dir.path());
    let status = poll(
        "the second backend to exit",
        Duration::from_secs(30),
        || second.try_wait().unwrap(),
    );
    let mut stderr = String::new();
    std::io::Read::read_to_string(second.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    let lock = s.db_path().with_file_name("codex.db.lock");
    assert!(stderr.contains(&lock.display().to_string()), "{stderr}");
    assert!(stderr.contains(&format!("pid {}", s.pid())), "{stderr}");
    assert!(stderr.contains("Stop the other backend first"), "{stderr}");
    // The first one is untouched and still serves.
    assert_eq!(s.get("/healthz").status, 200);
    eprintln!("a_second_backend_refuses: {:?}", started.elapsed());
}

/// The Docker runner's leftovers, when an engine answers (`docker info`); skipped with the
/// reason otherwise. The backend dies by SIGKILL (what `docker kill` sends to a containerised
/// backend) while its worker container runs; the next start removes that container, and only
/// it: a container of the same stack for a job this database does not know is left alone.
#[test]
fn the_next_start_removes_the_worker_containers_a_killed_backend_left() {
    if let Some(reason) = engine_unavailable() {
        println!("skipped: {reason}");
        return;
    }
    let started = Instant::now();
    let image = WorkerImage::build();
    let stack = image.stack.clone();
    let live = |dir: Option<std::sync::Arc<tempfile::TempDir>>| {
        let mut o = Opts::mocked()
            .env("USE_DUMMY_WORKER", "False")
            .env("WORKER_RUNNER", "docker")
            .env("CODEX_WORKER_IMAGE", &image.tag)
            .env("CODEX_STACK_ID", &stack)
            .env("WORKER_USER", "65532:65532")
            .env("SLEEP_SECONDS", OLD_JOB_SECONDS);
        if let Some(d) = dir {
            o = o.dir(d);
        }
        Server::start(o)
    };
    let s = live(None);
    let dir = s.dir.clone();
    let pid = s.create_project("Create a Python CLI that prints Fibonacci numbers");
    let jid = s.initial_job(&pid);
    let ours = format!("label=codex.job_id={jid}");
    s.poll(
        "the worker container to run",
        Duration::from_secs(60),
        || (!docker(&["ps", "-q", "--filter", &ours]).is_empty()).then_some(()),
    );
    let foreign = docker(&[
        "create",
        "--label",
        "codex.managed=true",
        "--label",
        &format!("codex.stack={stack}"),
        "--label",
        "codex.job_id=a-job-of-another-database",
        &image.tag,
    ]);

    drop(s); // SIGKILL
    assert!(
        !docker(&["ps", "-q", "--filter", &ours]).is_empty(),
        "the container should outlive a killed backend (nothing else removes it)"
    );

    let s = live(Some(dir));
    assert_eq!(
        docker(&["ps", "-aq", "--filter", &ours]),
        "",
        "left running"
    );
    let kept = docker(&[
        "ps",
        "-aq",
        "--no-trunc",
        "--filter",
        &format!("id={foreign}"),
    ]);
    assert_eq!(kept, foreign, "another database's container was removed");
    let job = s.get(&format!("/api/v1/{pid}/jobs/{jid}")).json();
    assert_eq!(job["status"], "error", "{job}");
    assert_eq!(job["error"], "interrupted by restart", "{job}");
    assert!(!s.workspace(&pid).join(".codex/result.json").exists());
    assert!(
        s.logs()
            .iter()
            .any(|l| l.contains("removed worker containers")),
        "{:?}",
        s.logs()
    );
    eprintln!("the_next_start_removes_containers: {:?}", started.elapsed());
}

/// A FROM-scratch worker image under a unique tag, with a unique stack id; removed on drop
/// with every container of that stack.
struct WorkerImage {
    tag: String,
    stack: String,
}

impl WorkerImage {
    fn build() -> WorkerImage {
        let unique = unique();
        let image = WorkerImage {
            tag: format!("codex-orphans-test-worker:{unique}"),
            stack: format!("orphans-test-{unique}"),
        };
        build_worker_image(&static_worker(), &image.tag);
        image
    }
}

impl Drop for WorkerImage {
    fn drop(&mut self) {
        let filter = format!("label=codex.stack={}", self.stack);
        let ids = std::process::Command::new("docker")
            .args(["ps", "-aq", "--filter", &filter])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        for id in ids.split_whitespace() {
            let _ = std::process::Command::new("docker")
                .args(["rm", "-f", id])
                .output();
        }
        let _ = std::process::Command::new("docker")
            .args(["rmi", "-f", &self.tag])
            .output();
    }
}
