//! The wheel: `maturin build` of `pyproject.toml` (`bindings = "bin"`), for one target.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use xshell::{cmd, Shell};

/// The maturin `.ci/run` installs (PyPI); named in the fix when it is missing.
pub const MATURIN_VERSION: &str = "1.16.0";

/// `maturin --version`, when it runs.
pub fn maturin_version() -> Option<String> {
    let sh = Shell::new().ok()?;
    cmd!(sh, "maturin --version")
        .quiet()
        .ignore_stderr()
        .read()
        .ok()
}

/// The platform tags maturin is asked for. A static Linux binary needs no particular libc:
/// one wheel tagged both manylinux (glibc systems) and musllinux (Alpine) installs on both,
/// and maturin checks that it complies. Other targets: maturin's own choice.
pub fn compatibility(target: &str) -> Vec<&'static str> {
    if target.ends_with("-linux-musl") {
        vec!["--compatibility", "manylinux_2_17", "musllinux_1_1"]
    } else {
        Vec::new()
    }
}

/// Builds the wheel into a fresh folder beside `out`, then moves it into `out` (replacing
/// one of the same name); returns its path.
pub fn build(root: &Path, target: &str, out: &Path) -> Result<PathBuf> {
    let staging = tempfile::Builder::new()
        .prefix(".wheel-")
        .tempdir_in(out)
        .with_context(|| format!("creating a folder in {}", out.display()))?;
    let sh = Shell::new()?;
    sh.change_dir(root);
    let into = staging.path();
    let tags = compatibility(target);
    let built = cmd!(
        sh,
        "maturin build --release --locked --target {target} {tags...} --out {into}"
    )
    .envs(super::build_env(target))
    .quiet()
    .ignore_stdout()
    .run();
    if let Err(e) = built {
        bail!("maturin build for {target} failed ({e}): see its output above");
    }
    let mut wheels = Vec::new();
    for entry in std::fs::read_dir(into)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "whl") {
            wheels.push(path);
        }
    }
    let [wheel] = wheels.as_slice() else {
        bail!(
            "maturin build wrote {} wheels into {}, expected one",
            wheels.len(),
            into.display()
        );
    };
    let dest = out.join(wheel.file_name().context("a wheel without a name")?);
    std::fs::rename(wheel, &dest)
        .with_context(|| format!("moving the wheel to {}", dest.display()))?;
    Ok(dest)
}
