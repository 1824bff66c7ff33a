//! Shared by the integration tests: run the real xtask binary and read its run folder.

pub use codex_test_support::fake_backend;
pub mod dist;
pub mod hostile;
pub mod release_server;
pub mod timed;

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// `<out>/<run id>/`.
    pub run_dir: PathBuf,
    pub zip: PathBuf,
}

/// `live-suite` on the local stack as the tests run it: L08 kept short, a generous poll
/// timeout for a loaded CI machine.
pub fn local_suite(envs: &[(&str, &str)], out: &Path) -> Run {
    local_suite_with(&[], envs, out)
}

/// `local_suite` with more flags.
pub fn local_suite_with(extra: &[&str], envs: &[(&str, &str)], out: &Path) -> Run {
    let mut args = vec![
        "live-suite",
        "--stack",
        "local",
        "--long-run-seconds",
        "1",
        "--poll-timeout",
        "60",
        // Our backend honours the full contract: any observation fails.
        "--strict",
    ];
    args.extend(extra);
    xtask(&args, envs, out)
}

/// A team's own worker (WORKER_BIN): the real one, but every edit job writes an error
/// result and exits 1, so that L05 fails and gates the rest of the ladder.
pub fn broken_edit_worker() -> String {
    format!(
        r#"#!/bin/sh
req="$WORKSPACE_DIR/.codex/request.json"
if grep -q '"job_type": *"edit"' "$req"; then
  jid=$(sed -n 's/.*"job_id": *"\([^"]*\)".*/\1/p' "$req")
  printf '{{"status":"error","summary":"edit broken on purpose","errors":["edit_broken"],"logs":["OPENAI_API_KEY=absent","OPENAI_ORG_ID=absent","OPENAI_PROJECT=absent"],"job_id":"%s"}}' "$jid" > "$WORKSPACE_DIR/.codex/result.json"
  exit 1
fi
exec "{}" "$@"
"#,
        real_worker().display()
    )
}

/// The real worker binary, built next to the xtask.
pub fn real_worker() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_xtask")).with_file_name("codex-worker")
}

/// `local_suite` (with `extra` flags) and a team's own worker: `script` (a `sh` script,
/// written executable into `dir` as `name`) as `WORKER_BIN`; the evidence in `<dir>/evidence`.
pub fn local_suite_with_worker(dir: &Path, name: &str, script: &str, extra: &[&str]) -> Run {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let evidence = dir.join("evidence");
    std::fs::create_dir(&evidence).unwrap();
    local_suite_with(extra, &[("WORKER_BIN", path.to_str().unwrap())], &evidence)
}

/// Runs `xtask <args>` with `envs`, the secret variables cleared unless given, in `cwd`.
pub fn xtask(args: &[&str], envs: &[(&str, &str)], out: &Path) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args).arg("--out").arg(out).current_dir(out);
    without_ambient(&mut cmd);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("running the xtask binary");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let mut runs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    runs.sort();
    let run_dir = runs
        .pop()
        .unwrap_or_else(|| panic!("no run folder\n{stdout}\n{stderr}"));
    let zip = run_dir.with_extension("zip");
    let run = Run {
        code: o.status.code().unwrap_or(-1),
        stdout,
        stderr,
        run_dir,
        zip,
    };
    // Every run that finished its reports leaves evidence `verify` finds sound (exit 3 is
    // a report that could not be written: its evidence is incomplete by design).
    if run.zip.is_file() && run.code != 3 {
        assert_verified(&run.zip);
    }
    run
}

/// `verify` finds the run's zip sound: every file as its manifest says, the reports'
/// verdicts and exit code in agreement, the plan's evidence there.
pub fn assert_verified(zip: &Path) {
    let expect = codex_live_suite::Expect::default();
    let found = codex_live_suite::verify(zip, &expect)
        .unwrap_or_else(|e| panic!("verify could not read {}: {e:#}", zip.display()));
    assert!(
        found.problems.is_empty(),
        "verify finds problems in {}:\n{}",
        zip.display(),
        found.problems.join("\n")
    );
}

/// Removes what the test's own environment may hold and the run must not see: the secrets,
/// `GITHUB_ACTIONS` (a test inside a GitHub step), `WORKER_BIN`, the suite's own options
/// (`CODEX_LIVE_SUITE_*`) and the colour switches.
pub fn without_ambient(cmd: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CODEX_LIVE_SUITE_") || name == "CLICOLOR_FORCE" {
            cmd.env_remove(name.as_ref());
        }
    }
    for v in [
        "OPENAI_API_KEY",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT",
        "GITHUB_ACTIONS",
        "WORKER_BIN",
    ] {
        cmd.env_remove(v);
    }
}

impl Run {
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.run_dir.join(rel))
            .unwrap_or_else(|e| panic!("{rel}: {e}\n{}\n{}", self.stdout, self.stderr))
    }

    /// The summary.txt row of a scenario: (verdict, reason).
    pub fn verdict(&self, id: &str) -> (String, String) {
        let summary = self.read("summary.txt");
        let row = summary
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("no row {id} in\n{summary}"));
        let mut parts = row.split_whitespace();
        parts.next();
        let verdict = parts.next().unwrap().to_owned();
        parts.next();
        (verdict, parts.collect::<Vec<_>>().join(" "))
    }

    /// Every file of the run folder (relative, sorted).
    pub fn files(&self) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(root, &p, out);
                } else {
                    out.push(
                        p.strip_prefix(root)
                            .unwrap()
                            .to_string_lossy()
                            .replace('\\', "/"),
                    );
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.run_dir, &self.run_dir, &mut out);
        out.sort();
        out
    }

    pub fn zip_entries(&self) -> Vec<String> {
        let mut z = zip::ZipArchive::new(std::fs::File::open(&self.zip).unwrap()).unwrap();
        (0..z.len())
            .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
            .collect()
    }

    /// Every scenario of a full run (L01–L08, the rollback, M01–M04) passed.
    pub fn assert_all_passed(&self) {
        for id in [
            "L01", "L02", "L03", "L04", "L05", "L06", "L07", "L08", "ROLLBACK", "M01", "M02",
            "M03", "M04",
        ] {
            assert_eq!(
                self.verdict(id).0,
                "PASS",
                "{id}\n{}",
                self.read("summary.txt")
            );
        }
    }

    pub fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
    }
}

/// Validates junit.xml against the vendored schema when xmllint is installed.
pub fn assert_junit_valid(path: &Path) {
    let xsd = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/junit-10.xsd");
    if Command::new("xmllint").arg("--version").output().is_err() {
        println!("skipped xsd validation: xmllint not installed (Debian: libxml2-utils)");
        return;
    }
    let o = Command::new("xmllint")
        .args(["--noout", "--schema", xsd])
        .arg(path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Why the compose cases cannot run here, if they cannot.
pub fn compose_unavailable() -> Option<&'static str> {
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
