//! `cargo xtask dist` for real: the static binary in its archive (checked with `file` and
//! SHA256SUMS), run from a `FROM scratch` image built here, and the wheel installed into a
//! fresh venv with no index, each running a whole green suite.

use crate::support::dist::{self, archive_stem, copy_files, said, verdicts, Dist, VERSION};
use crate::support::fake_backend::{self, Config};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

/// The dist files, or `None` after printing why they cannot be built here.
fn built() -> Option<&'static Dist> {
    match dist::dist() {
        Ok(d) => Some(d),
        Err(why) => {
            println!("skipped: {why}");
            None
        }
    }
}

/// Every scenario of a full run passed.
fn assert_green(out: &Path, said: &str) {
    let verdicts = verdicts(out);
    assert_eq!(verdicts.len(), 13, "{verdicts:?}\n{said}");
    assert!(verdicts.iter().all(|v| v == "PASS"), "{verdicts:?}\n{said}");
}

#[test]
fn dist_ships_a_statically_linked_binary_with_its_docs_vouched_for_by_sha256sums() {
    let Some(d) = built() else { return };
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(&d.out)
        .output()
        .unwrap();
    let text = said(&check);
    assert!(check.status.success(), "{text}");
    for file in [&d.archive, &d.wheel] {
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(text.contains(&format!("{name}: OK")), "{text}");
    }
    let folder = d.binary.parent().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["CHANGELOG.md", "LICENSE", "README.md", "codex-live-suite"]
    );
    assert_eq!(
        folder.file_name().unwrap().to_string_lossy(),
        archive_stem()
    );
    let file = Command::new("file").arg(&d.binary).output().unwrap();
    let file = String::from_utf8_lossy(&file.stdout);
    assert!(file.contains("statically linked"), "{file}");
    let version = Command::new(&d.binary).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(
        version.starts_with(&format!("codex-live-suite {VERSION} (")),
        "{version}"
    );
    println!(
        "archive {:.1} MB, wheel {:.1} MB",
        size(&d.archive) as f64 / 1e6,
        size(&d.wheel) as f64 / 1e6
    );
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

/// `docker <args>`: its output, or stdout and stderr as the error.
fn docker(args: &[&str]) -> Result<String, String> {
    let o = Command::new("docker")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if o.status.success() {
        Ok(String::from_utf8_lossy(&o.stdout).trim().to_owned())
    } else {
        Err(said(&o))
    }
}

/// The image of `suite/Dockerfile` built from the unpacked binary alone, as the backend's
/// images are (`xtask/src/images.rs`): a temporary context, nothing pulled.
struct Image(String);

impl Image {
    fn build(binary: &Path) -> Image {
        let ctx = tempfile::tempdir().unwrap();
        std::fs::copy(binary, ctx.path().join("codex-live-suite")).unwrap();
        let dockerfile = concat!(env!("CARGO_MANIFEST_DIR"), "/../suite/Dockerfile");
        std::fs::copy(dockerfile, ctx.path().join("Dockerfile")).unwrap();
        let tag = format!("codex-live-suite-test:{}", std::process::id());
        let ctx_path = ctx.path().to_str().unwrap();
        docker(&["build", "--quiet", "--tag", &tag, ctx_path]).unwrap();
        Image(tag)
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = docker(&["rmi", &self.0]);
    }
}

#[test]
fn the_static_binary_runs_a_green_suite_from_a_from_scratch_image() {
    if let Err(why) = docker(&["info", "--format", "{{.ServerVersion}}"]) {
        println!("skipped: no Docker engine answers: {why}");
        return;
    }
    let Some(d) = built() else { return };
    let image = Image::build(&d.binary);
    // FROM scratch: the binary's layer is the only one.
    let layers = docker(&[
        "image",
        "inspect",
        "--format",
        "{{len .RootFS.Layers}}",
        &image.0,
    ]);
    assert_eq!(layers.as_deref(), Ok("1"));
    let version = docker(&["run", "--rm", &image.0, "--version"]).unwrap();
    assert!(
        version.starts_with(&format!("codex-live-suite {VERSION}")),
        "{version}"
    );

    // The targets run on the host; the container shares its network.
    let live = fake_backend::start(Config::default());
    let mocked = fake_backend::start(Config {
        mocked: true,
        ..Default::default()
    });
    let out = tempfile::tempdir().unwrap();
    let meta = std::fs::metadata(out.path()).unwrap();
    let user = format!("{}:{}", meta.uid(), meta.gid());
    let volume = format!("{}:/out", out.path().display());
    let run = Command::new("docker")
        .args([
            "run",
            "--rm",
            "--network",
            "host",
            "--user",
            &user,
            "--tmpfs",
            "/tmp",
        ])
        .args(["--volume", &volume, "--workdir", "/out", &image.0])
        .args(["--base-url", &live.url, "--mocked-base-url", &mocked.url])
        .args([
            "--long-run-seconds",
            "1",
            "--poll-timeout",
            "60",
            "--out",
            "/out",
        ])
        .output()
        .unwrap();
    let text = said(&run);
    assert_eq!(run.status.code(), Some(0), "{text}");
    assert_green(out.path(), &text);
}

#[test]
fn the_wheel_installs_into_a_fresh_venv_and_runs_a_green_suite_outside_the_repository() {
    let Some(d) = built() else { return };
    let venv = tempfile::tempdir().unwrap();
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", said(&made));
    let bin = venv.path().join("bin");
    let pip = Command::new(bin.join("pip"))
        .args([
            "install",
            "--no-index",
            "--disable-pip-version-check",
            "--quiet",
        ])
        .arg(&d.wheel)
        .output()
        .unwrap();
    assert!(pip.status.success(), "{}", said(&pip));
    let suite = bin.join("codex-live-suite");
    let version = Command::new(&suite).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(
        version.starts_with(&format!("codex-live-suite {VERSION} (")),
        "{version}"
    );

    let repo = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).unwrap();
    assert!(!std::fs::canonicalize(repo.path())
        .unwrap()
        .starts_with(&root));
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../suite/tests/fixtures/py_orchestrator"
    );
    copy_files(Path::new(fixture), repo.path());
    let mut cmd = Command::new(&suite);
    cmd.args(["--long-run-seconds", "1", "--poll-timeout", "60"])
        .current_dir(repo.path());
    crate::support::without_ambient(&mut cmd);
    let run = cmd.output().unwrap();
    let text = said(&run);
    assert_eq!(run.status.code(), Some(0), "{text}");
    assert!(text.contains("stack: process (described by"), "{text}");
    assert_green(&repo.path().join("docs/evidence"), &text);
}
