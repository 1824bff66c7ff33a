//! Bring your own compose: `live-suite --config <live-suite.toml>` drives
//! another team's compose file (the fixture in `tests/fixtures/byo/`: service
//! `orchestrator`, container port 9000, `MOCK_MODE=true|false`, health at `/docs` only, one
//! copy at a time) through the whole run. Bad files are exit 2 with the key, the file and
//! the fix (these need no Docker).

use crate::compose::{docker, skip_reason};
use crate::support::xtask;
use codex_contract::Mode;
use codex_live_suite::SuiteConfig;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/byo/live-suite.toml")
}

/// The fixture is worth its end-to-end run: every key it sets differs from our stack's.
#[test]
fn the_byo_fixture_differs_in_every_point() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let byo = fixture().parent().unwrap().to_owned();
    let c = SuiteConfig::load(&root, Some(&fixture())).unwrap();
    let ours = SuiteConfig::defaults(&root);
    assert_eq!(c.compose_files, [byo.join("compose.byo.yml")]);
    assert_eq!(c.service, "orchestrator");
    assert_eq!(c.container_port, 9000);
    assert_eq!(c.health_paths, ["/docs"]);
    assert_eq!(
        (
            c.mode.variable.as_str(),
            c.mode.value(Mode::Live),
            c.mode.value(Mode::Mocked)
        ),
        ("MOCK_MODE", "false", "true")
    );
    assert_eq!(c.env_file, byo.join(".env.byo"));
    for (what, differs) in [
        ("compose_files", c.compose_files != ours.compose_files),
        ("service", c.service != ours.service),
        ("container_port", c.container_port != ours.container_port),
        ("health_paths", c.health_paths != ours.health_paths),
        ("mode", c.mode != ours.mode),
        ("env_file", c.env_file != ours.env_file),
        ("pre_build", c.pre_build != ours.pre_build),
        ("parallel", c.parallel != ours.parallel),
    ] {
        assert!(differs, "{what} is the same as our stack's");
    }
}

#[test]
fn the_byo_fixture_passes_end_to_end_under_strict() {
    if let Some(why) = skip_reason() {
        println!("skipped: {why}");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let config = fixture();
    let t = std::time::Instant::now();
    let run = xtask(
        &[
            "live-suite",
            "--config",
            config.to_str().unwrap(),
            "--long-run-seconds",
            "1",
            "--strict",
        ],
        &[],
        out.path(),
    );
    println!(
        "byo compose live-suite wall time: {:.1}s",
        t.elapsed().as_secs_f64()
    );
    run.assert_code(0);
    run.assert_all_passed();
    for line in [
        "stack: compose (described by",
        "sets parallel = false: this run holds the lock",
        "compose: pre_build: cargo run --quiet --manifest-path ../../../../Cargo.toml --bin xtask -- images",
        "target: /healthz present",
    ] {
        assert!(
            run.stdout.contains(line),
            "{line} missing in\n{}",
            run.stdout
        );
    }
    let project = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("compose: project "))
        .and_then(|l| l.split_whitespace().next())
        .expect("a `compose: project` line")
        .to_owned();
    // The backend ran as this team's service, and nothing of the run is left.
    let label = format!("label=com.docker.compose.project={project}");
    let left = docker(&["ps", "-aq", "--filter", &label]).unwrap();
    assert!(left.trim().is_empty(), "containers left: {left}");
    let volumes = docker(&["volume", "ls", "-q"]).unwrap();
    assert!(
        !volumes
            .lines()
            .any(|v| v == "byo_workspaces" || v.starts_with(&project)),
        "volumes left: {volumes}"
    );
}

/// `live-suite --config <file>` with `text` as the file: exit 2 and stderr.
fn bad_config(text: &str) -> (PathBuf, String) {
    let dir = tempfile::tempdir().unwrap().keep();
    std::fs::copy(
        fixture().with_file_name("compose.byo.yml"),
        dir.join("compose.byo.yml"),
    )
    .unwrap();
    let file = dir.join("live-suite.toml");
    std::fs::write(&file, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["live-suite", "--config", file.to_str().unwrap(), "--out"])
        .arg(out.path())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    // Nothing was created: the file is read before the run folder.
    assert!(std::fs::read_dir(out.path()).unwrap().next().is_none());
    std::fs::remove_dir_all(&dir).unwrap();
    (file, stderr)
}

#[test]
fn bad_configs_are_exit_2_with_the_key_the_file_and_a_fix() {
    let base = "compose_files = [\"compose.byo.yml\"]\nparallel = false\ncontainer_port = 9000\n";
    for (extra, key) in [
        ("sevice = \"orchestrator\"\n", "sevice"),
        ("service = \"backend\"\n", "service"),
        (
            "service = \"orchestrator\"\nhealth_paths = 9000\n",
            "health_paths",
        ),
    ] {
        let (file, stderr) = bad_config(&format!("{base}{extra}"));
        assert!(stderr.contains(key), "{key}: {stderr}");
        assert!(stderr.contains(&file.display().to_string()), "{stderr}");
        assert!(stderr.contains("fix"), "{stderr}");
    }
    let (_, stderr) = bad_config(
        "compose_files = [\"compose.byo.yml\"]\nservice = \"orchestrator\"\n\
         container_port = \"nine thousand\"\nparallel = false\n",
    );
    assert!(stderr.contains("container_port"), "{stderr}");
    // An unknown service lists the ones there.
    let (_, stderr) = bad_config(&format!("{base}service = \"backend\"\n"));
    assert!(stderr.contains("orchestrator"), "{stderr}");
}
