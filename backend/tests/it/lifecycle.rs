//! Start-up and shutdown: configuration errors, `.env`, restart recovery of jobs a previous
//! process left unfinished, and SIGTERM with a running and a waiting job.

use crate::server::{script, spawn_backend, Opts, Server};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn an_invalid_value_stops_the_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for (name, value, accepted) in [
        ("USE_DUMMY_WORKER", "maybe", "True, False"),
        ("WORKER_RUNNER", "podman", "docker or process"),
        ("MAX_CONCURRENT_JOBS", "0", ">= 1"),
        ("ALLOW_CREDENTIALS", "maybe", "True, False"),
    ] {
        let opts = Opts::mocked().env(name, value);
        let child = spawn_backend(&opts, dir.path());
        let out = wait_output(child, Duration::from_secs(20));
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(name) && err.contains(value) && err.contains(accepted),
            "{err}"
        );
    }
}

#[test]
fn one_log_line_per_request_with_its_id() {
    let s = Server::start(Opts::mocked());
    let r = s.get("/api/v1/projects/00000000-0000-0000-0000-000000000000");
    let id = r.assert_error(404, "not_found")["correlation_id"]
        .as_str()
        .unwrap()
        .to_string();
    // The backend logs before it answers, but the test reads its stderr on a thread of its
    // own, which may not have the line yet.
    s.poll("the request's log line", Duration::from_secs(5), || {
        s.logs()
            .iter()
            .any(|l| {
                l.contains("request")
                    && l.contains("method=GET")
                    && l.contains("path=/api/v1/projects/0000")
                    && l.contains("status=404")
                    && l.contains("ms=")
                    && l.contains(&format!("request_id={id}"))
            })
            .then_some(())
    });
}

#[test]
fn dot_env_in_the_working_directory_is_read() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    std::fs::write(
        dir.path().join(".env"),
        "# live mode from the file\nUSE_DUMMY_WORKER=False\nWORKER_RUNNER=process\n",
    )
    .unwrap();
    let s = Server::start(Opts {
        env: vec![],
        dir: Some(dir),
    });
    assert_eq!(s.get("/healthz").json()["mode"], "live");
}

#[test]
fn restart_marks_unfinished_jobs_interrupted() {
    let s = Server::start(Opts::mocked());
    let dir = s.dir.clone();
    let pid = s.create_project("make a cli");
    let done = s.initial_job(&pid);
    s.wait_job(&pid, &done);
    let db = s.db_path();
    assert!(s.stop().success());

    // Seed what a crashed process leaves behind: one queued and one in_progress job.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "INSERT INTO projects VALUES ('p-crash', 'left behind', 'in_progress', NULL, 't', 't');
         INSERT INTO jobs (id, project_id, job_type, instruction, status, error, created_at, updated_at)
           VALUES ('j-run', 'p-crash', 'initial_project', 'left behind', 'in_progress', NULL, 't', 't'),
                  ('j-wait', 'p-crash', 'edit', 'next', 'queued', NULL, 't', 't');"
    )
    .unwrap();
    drop(conn);

    let s = Server::start(Opts::mocked().dir(dir));
    for job in ["j-run", "j-wait"] {
        let j = s.get(&format!("/api/v1/p-crash/jobs/{job}")).json();
        assert_eq!(j["status"], "error", "{j}");
        assert_eq!(j["error"], "interrupted by restart", "{j}");
    }
    let p = s.get("/api/v1/projects/p-crash").json();
    assert_eq!(p["status"], "error");
    // A finished job is left alone.
    assert_eq!(
        s.get(&format!("/api/v1/{pid}/jobs/{done}")).json()["status"],
        "completed"
    );
    assert!(s
        .logs()
        .iter()
        .any(|l| l.contains("interrupted by restart")));
}

#[test]
fn sigterm_stops_accepting_and_fails_what_did_not_finish() {
    let tmp = tempfile::tempdir().unwrap();
    let sleeper = script(tmp.path(), "sleeper", "exec sleep 30");
    let s = Server::start(Opts::process(&sleeper).env("SHUTDOWN_GRACE_SECONDS", "1"));
    let dir = s.dir.clone();
    let pid = s.create_project("make a cli");
    let running = s.initial_job(&pid);
    s.wait_status(&pid, &running, "in_progress");
    let waiting = s.create_job(&pid, "edit", "never runs");
    let addr = s.addr.clone();

    let started = Instant::now();
    assert!(s.stop().success(), "clean exit after SIGTERM");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "still accepting after shutdown"
    );

    let s = Server::start(Opts::mocked().dir(dir));
    let j = s.get(&format!("/api/v1/{pid}/jobs/{running}")).json();
    assert_eq!(
        (j["status"].as_str(), j["error"].as_str()),
        (Some("error"), Some("interrupted by shutdown")),
        "{j}"
    );
    let j = s.get(&format!("/api/v1/{pid}/jobs/{waiting}")).json();
    assert_eq!(j["status"], "error", "{j}");
    assert!(j["error"].as_str().unwrap().contains("shut down"), "{j}");
}

fn wait_output(mut child: std::process::Child, timeout: Duration) -> std::process::Output {
    let deadline = Instant::now() + timeout;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("codex-backend did not exit within {timeout:?} on a bad configuration");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}
