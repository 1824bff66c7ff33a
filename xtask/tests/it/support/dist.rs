//! The files `cargo xtask dist` writes, built once per test binary by the real xtask (after
//! CI's own dist step nothing is rebuilt), and the archive's binary unpacked once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const TARGET: &str = "x86_64-unknown-linux-musl";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub struct Dist {
    /// The output folder (`<target dir>/dist`).
    pub out: PathBuf,
    pub archive: PathBuf,
    pub wheel: PathBuf,
    /// The archive's binary, unpacked.
    pub binary: PathBuf,
    /// Holds `binary` for the whole test binary.
    _unpacked: tempfile::TempDir,
}

/// The archive's name without `.tar.gz`: also its one folder.
pub fn archive_stem() -> String {
    format!("codex-live-suite-{VERSION}-{TARGET}")
}

/// The dist files, or why they cannot be built here (the caller prints it and skips).
pub fn dist() -> Result<&'static Dist, String> {
    static DIST: OnceLock<Result<Dist, String>> = OnceLock::new();
    DIST.get_or_init(build).as_ref().map_err(Clone::clone)
}

fn build() -> Result<Dist, String> {
    for (program, package) in [("maturin", "PyPI: maturin"), ("file", "Debian: file")] {
        if Command::new(program).arg("--version").output().is_err() {
            return Err(format!("{program} is not installed ({package})"));
        }
    }
    let xtask = Path::new(env!("CARGO_BIN_EXE_xtask"));
    // `<target dir>/debug/xtask`.
    let out = xtask.parent().unwrap().parent().unwrap().join("dist");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let o = Command::new(xtask)
        .args(["dist", "--out"])
        .arg(&out)
        .current_dir(root)
        .output()
        .expect("running xtask dist");
    assert!(
        o.status.success(),
        "xtask dist failed\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let archive = out.join(format!("{}.tar.gz", archive_stem()));
    let prefix = format!("codex_live_suite-{VERSION}-");
    let wheel = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(&prefix) && name.ends_with("x86_64.whl")
        })
        .expect("xtask dist wrote no wheel");
    let unpacked = tempfile::tempdir().unwrap();
    untar(&archive, unpacked.path());
    let binary = unpacked
        .path()
        .join(archive_stem())
        .join("codex-live-suite");
    Ok(Dist {
        out,
        archive,
        wheel,
        binary,
        _unpacked: unpacked,
    })
}

/// `tar -xzf archive -C into`.
pub fn untar(archive: &Path, into: &Path) {
    let o = Command::new("tar")
        .arg("-xzf")
        .arg(archive)
        .arg("-C")
        .arg(into)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
}

/// Copies the files of `from` (one level) into `to`.
pub fn copy_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// The verdicts of the one run folder under `out`, from its run.json.
pub fn verdicts(out: &Path) -> Vec<String> {
    let run = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .unwrap_or_else(|| panic!("no run folder in {}", out.display()));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("run.json")).unwrap()).unwrap();
    record["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["verdict"].as_str().unwrap().to_owned())
        .collect()
}

/// Stdout and stderr of a finished command, for assertion messages.
pub fn said(o: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
