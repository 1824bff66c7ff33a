//! `cargo xtask dist`: what a release ships for one Rust target, built the way the release
//! workflow builds it. A release build of `codex-live-suite` (for the Linux targets: musl,
//! fully static, so that it runs where nothing else is, even in a `FROM scratch` image), then
//! in the output folder (default `<target dir>/dist`):
//!
//! - `codex-live-suite-<version>-<target>.tar.gz`: one folder of the same name holding the
//!   binary, README.md, LICENSE and CHANGELOG.md (the layout `cargo binstall` is told of in
//!   `suite/Cargo.toml`);
//! - the wheel `maturin` builds from `pyproject.toml` (`bindings = "bin"`: the binary alone,
//!   put on PATH by `pip install`), tagged both manylinux and musllinux for a static Linux
//!   binary;
//! - `SHA256SUMS`: every archive and wheel of the folder, in `sha256sum -c` format.
//!
//! Tools come from PATH: `maturin` (PyPI, pinned in `.ci/run`) and the target's standard
//! library (`rustup target add`); a missing one fails before any build, naming the fix.

mod archive;
mod wheel;

use crate::cli::DistArgs;
use anyhow::{bail, Context, Result};
use codex_live_suite::Events;
use std::path::{Path, PathBuf};
use std::time::Instant;
use xshell::{cmd, Shell};

/// The default target: static Linux, the platform of our CI and of most self-hosted runners.
pub const DEFAULT_TARGET: &str = "x86_64-unknown-linux-musl";
/// The package and binary shipped.
pub const PACKAGE: &str = "codex-live-suite";

/// What one `dist` wrote.
#[derive(Debug)]
pub struct Written {
    pub binary: PathBuf,
    pub archive: PathBuf,
    pub wheel: Option<PathBuf>,
    pub sums: PathBuf,
}

impl DistArgs {
    pub fn run(&self, events: &Events) -> Result<i32> {
        let root = crate::project_root();
        let out = match &self.out {
            Some(dir) => std::path::absolute(dir).context("resolving --out")?,
            None => crate::images::target_dir(&root).join("dist"),
        };
        let written = build(&root, &self.target, !self.no_wheel, &out, events)?;
        let binary = Some(&written.binary);
        for path in [
            binary,
            Some(&written.archive),
            written.wheel.as_ref(),
            Some(&written.sums),
        ]
        .into_iter()
        .flatten()
        {
            events.line(format!("dist: {} ({})", path.display(), size_text(path)));
        }
        Ok(crate::commands::EXIT_PASS)
    }
}

/// The release build, the archive, the wheel (when `with_wheel`) and SHA256SUMS in `out`.
pub fn build(
    root: &Path,
    target: &str,
    with_wheel: bool,
    out: &Path,
    events: &Events,
) -> Result<Written> {
    check_tools(target, with_wheel)?;
    let version = package_version(root)?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let t = Instant::now();
    events.line(format!(
        "dist: release build of {PACKAGE} {version} for {target} (a cold build takes minutes)"
    ));
    let binary = release_build(root, target)?;
    events.line(format!("dist: built in {:.1}s", t.elapsed().as_secs_f64()));
    let archive = archive::write(root, &binary, &archive_name(&version, target), out)?;
    let wheel = if with_wheel {
        let t = Instant::now();
        let wheel = wheel::build(root, target, out)?;
        events.line(format!("dist: wheel in {:.1}s", t.elapsed().as_secs_f64()));
        Some(wheel)
    } else {
        None
    };
    let sums = archive::write_sums(out)?;
    Ok(Written {
        binary,
        archive,
        wheel,
        sums,
    })
}

/// `codex-live-suite-<version>-<target>`: the archive's name without `.tar.gz`, and the
/// folder inside it.
pub fn archive_name(version: &str, target: &str) -> String {
    format!("{PACKAGE}-{version}-{target}")
}

/// The target's standard library is installed, and maturin runs when a wheel is wanted.
fn check_tools(target: &str, with_wheel: bool) -> Result<()> {
    let sh = Shell::new()?;
    // Without rustup (a distribution's Rust), the build itself says whether the target works.
    if let Ok(installed) = cmd!(sh, "rustup target list --installed")
        .quiet()
        .ignore_stderr()
        .read()
    {
        if !installed.lines().any(|l| l.trim() == target) {
            bail!("the Rust target {target} is not installed; fix: rustup target add {target}");
        }
    }
    if with_wheel && wheel::maturin_version().is_none() {
        bail!(
            "maturin not found on PATH: the wheel needs it; fix: pip install maturin=={} \
             (`.ci/run` provisions it), or pass --no-wheel",
            wheel::MATURIN_VERSION
        );
    }
    Ok(())
}

/// The version of the suite's package, from `cargo metadata`.
fn package_version(root: &Path) -> Result<String> {
    let sh = Shell::new()?;
    sh.change_dir(root);
    let cargo = cargo();
    let text = cmd!(sh, "{cargo} metadata --format-version 1 --no-deps --locked")
        .quiet()
        .read()
        .context("running cargo metadata")?;
    let meta: serde_json::Value = serde_json::from_str(&text).context("reading cargo metadata")?;
    meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == PACKAGE)
        .and_then(|p| p["version"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("cargo metadata names no package {PACKAGE}"))
}

/// `cargo build --release --locked --target <target> -p codex-live-suite`; the binary's path.
fn release_build(root: &Path, target: &str) -> Result<PathBuf> {
    let sh = Shell::new()?;
    sh.change_dir(root);
    let cargo = cargo();
    // Cargo's progress goes to our stderr; stdout stays the reporter's.
    let built = cmd!(
        sh,
        "{cargo} build --release --locked --target {target} -p {PACKAGE} --bin {PACKAGE}"
    )
    .envs(build_env(target))
    .quiet()
    .ignore_stdout()
    .run();
    if let Err(e) = built {
        bail!("the release build for {target} failed ({e}): see cargo's output above");
    }
    let binary = crate::images::target_dir(root)
        .join(target)
        .join("release")
        .join(PACKAGE);
    if !binary.is_file() {
        bail!(
            "cargo reported success but {} is missing: is CARGO_TARGET_DIR the same for this \
             xtask and for cargo?",
            binary.display()
        );
    }
    Ok(binary)
}

/// The variables of both the release build and maturin's (the same ones, so that maturin
/// finds the release build's artifacts fresh): a musl binary linked non-PIE, which `file`
/// and the kernel take for what it is, statically linked with no loader.
pub fn build_env(target: &str) -> Vec<(String, String)> {
    if !target.ends_with("-linux-musl") {
        return Vec::new();
    }
    let var = format!(
        "CARGO_TARGET_{}_RUSTFLAGS",
        target.to_uppercase().replace('-', "_")
    );
    vec![(
        var,
        "-C target-feature=+crt-static -C relocation-model=static".to_owned(),
    )]
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// `4.2 MB`, or `size unknown`.
fn size_text(path: &Path) -> String {
    std::fs::metadata(path).map_or_else(
        |_| "size unknown".to_owned(),
        |m| format!("{:.1} MB", m.len() as f64 / 1_000_000.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn musl_targets_link_static_and_other_targets_keep_their_defaults() {
        assert_eq!(
            build_env("x86_64-unknown-linux-musl"),
            vec![(
                "CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS".to_owned(),
                "-C target-feature=+crt-static -C relocation-model=static".to_owned()
            )]
        );
        assert_eq!(
            build_env("aarch64-unknown-linux-musl")[0].0,
            "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS"
        );
        assert!(build_env("aarch64-apple-darwin").is_empty());
        assert_eq!(
            archive_name("0.1.0", "x86_64-apple-darwin"),
            "codex-live-suite-0.1.0-x86_64-apple-darwin"
        );
    }
}
