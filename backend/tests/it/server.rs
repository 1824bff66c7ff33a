//! The real `codex-backend` binary, for the tests where a process matters: it binds
//! 127.0.0.1:0 and logs the address it got, with a temporary workspace root and SQLite
//! file; requests go through `reqwest`; polls are bounded.

use crate::resp::Resp;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const BACKEND: &str = env!("CARGO_BIN_EXE_codex-backend");
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
pub const JOB_TIMEOUT: Duration = Duration::from_secs(60);

/// A running backend. Killed on drop; `stop()` sends SIGTERM and waits for a clean exit.
pub struct Server {
    child: Option<Child>,
    pub addr: String,
    pub dir: Arc<tempfile::TempDir>,
    logs: Arc<Mutex<Vec<String>>>,
}

/// Configuration of a test server.
pub struct Opts {
    pub env: Vec<(String, String)>,
    /// Reuse the workspace root and database of an earlier server (restart tests).
    pub dir: Option<Arc<tempfile::TempDir>>,
}

impl Opts {
    pub fn mocked() -> Opts {
        Opts {
            env: vec![("USE_DUMMY_WORKER".into(), "True".into())],
            dir: None,
        }
    }

    /// Live mode with the process runner and `worker` as WORKER_BIN.
    pub fn process(worker: &Path) -> Opts {
        Opts {
            env: vec![
                ("USE_DUMMY_WORKER".into(), "False".into()),
                ("WORKER_RUNNER".into(), "process".into()),
                ("WORKER_BIN".into(), worker.display().to_string()),
            ],
            dir: None,
        }
    }

    pub fn env(mut self, k: &str, v: &str) -> Opts {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn dir(mut self, dir: Arc<tempfile::TempDir>) -> Opts {
        self.dir = Some(dir);
        self
    }
}

/// Starts the binary with a cleared environment (only PATH, HOME and `env`), so nothing
/// from the developer's shell (an API key, a .env) leaks into a test.
pub fn spawn_backend(opts: &Opts, dir: &Path) -> Child {
    let mut cmd = Command::new(BACKEND);
    cmd.env_clear();
    for keep in ["PATH", "HOME"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    cmd.env("BIND_ADDR", "127.0.0.1:0")
        .env("WORKSPACE_ROOT", dir.join("workspaces"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("codex.db").display()),
        )
        .envs(opts.env.iter().map(|(k, v)| (k, v)))
        // The cwd holds no .env file: configuration comes from `env` only.
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd.spawn().expect("spawning codex-backend")
}

impl Server {
    pub fn start(opts: Opts) -> Server {
        let dir = opts
            .dir
            .clone()
            .unwrap_or_else(|| Arc::new(tempfile::tempdir().expect("tempdir")));
        let mut child = spawn_backend(&opts, dir.path());
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on ").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                    let _ = tx.send(addr);
                }
                sink.lock().unwrap().push(line);
            }
        });
        let addr = match rx.recv_timeout(START_TIMEOUT) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "codex-backend did not log 'listening on' within {START_TIMEOUT:?}; its log:\n{}",
                    logs.lock().unwrap().join("\n")
                );
            }
        };
        let server = Server {
            child: Some(child),
            addr,
            dir,
            logs,
        };
        server.poll("GET /healthz answering 200", START_TIMEOUT, || {
            (server.get("/healthz").status == 200).then_some(())
        });
        server
    }

    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    pub fn workspace(&self, project_id: &str) -> PathBuf {
        workspace_in(self.dir.path(), project_id)
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("codex.db")
    }

    /// SIGTERM, then wait (bounded) for the exit; returns the exit status.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    pub fn stop(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        send_sigterm(child.id());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("codex-backend did not exit within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn get(&self, path: &str) -> Resp {
        send(client().get(self.url(path)))
    }

    pub fn post(&self, path: &str, body: &Value) -> Resp {
        send(client().post(self.url(path)).json(body))
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POST /api/v1/projects/ and the new project's id.
    pub fn create_project(&self, instruction: &str) -> String {
        let r = self.post(
            "/api/v1/projects/",
            &serde_json::json!({"instruction": instruction}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["id"].as_str().expect("id").to_string()
    }

    /// POST /api/v1/{pid}/jobs and the new job's id.
    pub fn create_job(&self, project_id: &str, job_type: &str, instruction: &str) -> String {
        let r = self.post(
            &format!("/api/v1/{project_id}/jobs"),
            &serde_json::json!({"job_type": job_type, "instruction": instruction}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert_eq!(j["status"], "queued", "{j}");
        j["id"].as_str().expect("id").to_string()
    }

    /// The id of the project's first (initial_project) job.
    pub fn initial_job(&self, project_id: &str) -> String {
        let p = self.get(&format!("/api/v1/projects/{project_id}")).json();
        p["jobs"][0]["id"].as_str().expect("job id").to_string()
    }

    /// Polls the job until it is final; returns its JobDetail.
    pub fn wait_job(&self, project_id: &str, job_id: &str) -> Value {
        self.poll(&format!("job {job_id} to finish"), JOB_TIMEOUT, || {
            let r = self.get(&format!("/api/v1/{project_id}/jobs/{job_id}"));
            assert_eq!(r.status, 200, "{}", r.text());
            let j = r.json();
            matches!(j["status"].as_str(), Some("completed" | "error")).then_some(j)
        })
    }

    /// Polls the job until its status is `status`.
    pub fn wait_status(&self, project_id: &str, job_id: &str, status: &str) -> Value {
        self.poll(&format!("job {job_id} to be {status}"), JOB_TIMEOUT, || {
            let j = self
                .get(&format!("/api/v1/{project_id}/jobs/{job_id}"))
                .json();
            (j["status"] == status).then_some(j)
        })
    }

    /// Calls `f` every 25 ms until it answers `Some`, panicking with `what` and the server
    /// log after `timeout`.
    pub fn poll<T>(&self, what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = f() {
                return v;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; backend log:\n{}",
                    self.logs().join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// `GET /{project_id}/files`, parsed as the contract's `FileList` (200 required).
    pub fn list_files(&self, project_id: &str) -> Vec<codex_contract::FileEntry> {
        self.get(&format!("/api/v1/{project_id}/files")).file_list()
    }

    pub fn read_result(&self, project_id: &str) -> Value {
        let path = self.workspace(project_id).join(".codex/result.json");
        serde_json::from_slice(&std::fs::read(&path).expect("result.json")).expect("result json")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn send_sigterm(pid: u32) {
    let ok = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("running kill")
        .success();
    assert!(ok, "kill -TERM {pid} failed");
}

/// One client for the whole test binary (connection pool included).
fn client() -> &'static reqwest::blocking::Client {
    static CLIENT: OnceLock<reqwest::blocking::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client")
    })
}

fn send(req: reqwest::blocking::RequestBuilder) -> Resp {
    let r = req.send().expect("an HTTP answer from codex-backend");
    Resp {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.bytes().expect("the response body").to_vec(),
    }
}

/// The cargo target dir these tests were built in (`<target>/debug/deps/<test>`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("<target>/<profile>/deps/<test>")
        .to_path_buf()
}

/// The real `codex-worker` binary, built once per test binary with `cargo build --bin
/// codex-worker` into the same target dir (`--bin` resolves features for the whole
/// workspace, so the dependencies `cargo test --workspace` built are reused).
pub fn worker_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let target = target_dir();
        // From the workspace root: inside `backend/` cargo would look for the bin in this
        // package only.
        let out = Command::new(&cargo)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .args(["build", "--bin", "codex-worker", "--target-dir"])
            .arg(&target)
            .stdout(Stdio::null())
            .output()
            .expect("running cargo build --bin codex-worker");
        assert!(
            out.status.success(),
            "cargo build --bin codex-worker failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bin = target.join("debug").join("codex-worker");
        assert!(bin.exists(), "{} missing after the build", bin.display());
        bin
    })
    .clone()
}

/// An executable shell script in `dir` (for workers that misbehave on purpose).
pub fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// One raw HTTP/1.1 request line (plus `Host`) on a fresh connection, for what an HTTP client
/// would refuse or normalise (a URI over 64 KiB, a malformed request line). Reads to EOF.
pub fn raw_request(addr: &str, request_line: &str) -> Resp {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let req = format!("{request_line}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    // The server may answer and close before reading it all.
    let _ = s.write_all(req.as_bytes());
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let mut headers = axum::http::HeaderMap::new();
    for (k, v) in lines.filter_map(|l| l.split_once(':')) {
        headers.insert(
            axum::http::HeaderName::from_bytes(k.trim().as_bytes()).unwrap(),
            v.trim().parse().unwrap(),
        );
    }
    Resp {
        status,
        headers,
        body: body.as_bytes().to_vec(),
    }
}

/// A project's workspace under a test's data folder (`<dir>/workspaces/<id>`), as the
/// backend resolves it.
pub fn workspace_in(dir: &Path, project_id: &str) -> PathBuf {
    dir.join("workspaces")
        .canonicalize()
        .expect("workspace root")
        .join(project_id)
}
