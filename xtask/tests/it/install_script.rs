//! The Action's plan and install scripts (`.github/scripts/action-plan.sh`,
//! `action-install.sh`) as a runner runs them, against a local stand-in for a GitHub release
//! serving the real archive of `cargo xtask dist`: a good archive installs, and a wrong
//! checksum, a missing asset and a download that breaks off each fail the step naming the
//! URL and the fix, with nothing installed and nothing compiled.

use crate::support::dist::{self, archive_stem, said, VERSION};
use crate::support::release_server::{self, Release};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const REPO: &str = "example-owner/codex-live-suite";

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../.github/scripts")
        .join(name)
}

/// A runner's folders and the step outputs of the plan.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["tool-cache", "temp", "workspace"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        Runner { dir }
    }

    /// Runs `name` with the runner's variables, `PATH` limited to the system's (no cargo)
    /// unless `path` says otherwise, and `envs`.
    fn run(&self, name: &str, path: Option<&str>, envs: &[(&str, &str)]) -> Output {
        let d = self.dir.path();
        let mut cmd = Command::new("bash");
        cmd.arg(script(name)).env_clear();
        cmd.env("PATH", path.unwrap_or("/usr/local/bin:/usr/bin:/bin"))
            .env("GITHUB_OUTPUT", d.join("output"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", d.join("tool-cache"))
            .env("RUNNER_TEMP", d.join("temp"))
            .env("GITHUB_WORKSPACE", d.join("workspace"))
            .env(
                "GITHUB_ACTION_PATH",
                concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
            )
            .env("ACTION_REPOSITORY", REPO);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// The plan's outputs (the last value of each).
    fn outputs(&self) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.dir.path().join("output")).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// Plans `version` (the action used by `action_ref`), then installs from `release`.
    fn install(&self, version: &str, action_ref: &str, release: &Release) -> Output {
        let plan = self.run(
            "action-plan.sh",
            None,
            &[("VERSION", version), ("ACTION_REF", action_ref)],
        );
        assert!(plan.status.success(), "{}", said(&plan));
        let o = self.outputs();
        assert_eq!(o["kind"], "release", "{}", said(&plan));
        let envs = [
            ("KIND", o["kind"].as_str()),
            ("VERSION", o["version"].as_str()),
            ("TARGET", o["target"].as_str()),
            ("RELEASE_REPO", o["repo"].as_str()),
            ("ROOT", o["root"].as_str()),
            ("DOWNLOAD_BASE_URL", release.base.as_str()),
        ];
        self.run("action-install.sh", None, &envs)
    }

    fn installed(&self) -> PathBuf {
        PathBuf::from(&self.outputs()["root"]).join("bin/codex-live-suite")
    }
}

/// The URL path of a release asset.
fn asset_path(name: &str) -> String {
    format!("/{REPO}/releases/download/v{VERSION}/{name}")
}

/// The release: the real archive and SHA256SUMS of `cargo xtask dist`, or `None` (skipped).
fn release_files() -> Option<(String, Vec<u8>, Vec<u8>)> {
    match dist::dist() {
        Ok(d) => Some((
            format!("{}.tar.gz", archive_stem()),
            std::fs::read(&d.archive).unwrap(),
            std::fs::read(d.out.join("SHA256SUMS")).unwrap(),
        )),
        Err(why) => {
            println!("skipped: {why}");
            None
        }
    }
}

/// The failed step's one `::error` line; nothing installed.
fn assert_refused(runner: &Runner, out: &Output, url: &str, says: &str) {
    let text = said(out);
    assert_eq!(out.status.code(), Some(2), "{text}");
    let error = text
        .lines()
        .find(|l| l.starts_with("::error title=codex-live-suite action::"))
        .unwrap_or_else(|| panic!("no ::error line\n{text}"));
    assert!(error.contains(url), "{error}");
    assert!(error.contains(says), "{error}");
    assert!(
        error.contains("Fix:") && error.contains("Nothing was installed"),
        "{error}"
    );
    assert!(!runner.installed().exists(), "{text}");
    assert!(!text.contains("cargo install"), "{text}");
}

#[test]
fn the_action_installs_a_good_release_archive_by_its_own_tag_without_cargo() {
    let Some((asset, archive, sums)) = release_files() else {
        return;
    };
    let release = release_server::serve(
        BTreeMap::from([
            (asset_path(&asset), archive),
            (asset_path("SHA256SUMS"), sums),
        ]),
        None,
    );
    let runner = Runner::new();
    let t = Instant::now();
    // No version input: the action's own tag.
    let out = runner.install("", &format!("v{VERSION}"), &release);
    let took = t.elapsed();
    let text = said(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("sha256 of {asset} matches SHA256SUMS")),
        "{text}"
    );
    assert!(
        text.contains("provenance not checked: the archive comes from http://127.0.0.1"),
        "{text}"
    );
    let version = Command::new(runner.installed())
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout)
        .starts_with(&format!("codex-live-suite {VERSION}")));
    println!(
        "install of a good archive from the local release: {:.2}s",
        took.as_secs_f64()
    );
    // A second run finds it installed (the tool cache).
    let again = runner.install("", &format!("v{VERSION}"), &release);
    assert!(
        said(&again).contains("already installed: codex-live-suite"),
        "{}",
        said(&again)
    );
}

#[test]
fn a_wrong_checksum_a_missing_asset_and_a_broken_download_fail_naming_the_url_and_the_fix() {
    let Some((asset, archive, sums)) = release_files() else {
        return;
    };
    let url = |base: &str, name: &str| format!("{base}{}", asset_path(name));
    // The archive's line names another digest.
    let wrong: String = String::from_utf8(sums.clone())
        .unwrap()
        .lines()
        .map(|l| {
            if l.ends_with(&asset) {
                format!("{}  {asset}\n", "0".repeat(64))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let cases = [
        (
            "checksum mismatch for",
            Some(wrong.into_bytes()),
            Some(archive.clone()),
            false,
        ),
        ("failed: HTTP 404", Some(sums.clone()), None, false),
        ("failed (curl exit 18", Some(sums), Some(archive), true),
    ];
    for (says, sums, archive, cut) in cases {
        let mut files = BTreeMap::new();
        files.extend(sums.map(|b| (asset_path("SHA256SUMS"), b)));
        files.extend(archive.map(|b| (asset_path(&asset), b)));
        let release = release_server::serve(files, cut.then(|| asset_path(&asset)));
        let runner = Runner::new();
        let out = runner.install(&format!("v{VERSION}"), "main", &release);
        assert_refused(&runner, &out, &url(&release.base, &asset), says);
    }
}

#[test]
fn only_a_commit_a_path_or_a_platform_without_an_archive_compiles_and_without_cargo_fails_at_once()
{
    let runner = Runner::new();
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let windows = [("VERSION", "v1.2.3"), ("RUNNER_OS", "Windows")];
    for (envs, why) in [
        (
            &[("VERSION", sha)][..],
            format!("version {sha} is not a release tag"),
        ),
        (
            &[("VERSION", "path:.")][..],
            "version path:. is a checkout".to_owned(),
        ),
        (
            &windows[..],
            "no release archive is built for Windows/X64".to_owned(),
        ),
        (
            &[("ACTION_REF", "main")][..],
            "the action is used by 'main'".to_owned(),
        ),
    ] {
        let out = runner.run("action-plan.sh", None, envs);
        let text = said(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(
            text.contains(&format!("compiling from source with cargo: {why}")),
            "{text}"
        );
        assert!(
            text.contains(
                "::error title=codex-live-suite action::cargo not found, and it is needed"
            ),
            "{text}"
        );
        assert!(text.contains("Fix: use a release tag"), "{text}");
    }
    // With cargo, the plan goes on to compile and says so.
    let path = format!(
        "{}:/usr/bin:/bin",
        Path::new(&std::env::var("CARGO").unwrap_or_default())
            .parent()
            .map_or(String::new(), |p| p.display().to_string())
    );
    let out = runner.run(
        "action-plan.sh",
        Some(&path),
        &[("VERSION", sha), ("REPOSITORY", "https://github.com/o/r")],
    );
    assert!(out.status.success(), "{}", said(&out));
    assert_eq!(runner.outputs()["kind"], "git");
}
