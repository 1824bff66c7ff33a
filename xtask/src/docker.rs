//! The Docker engine and the compose CLI as the compose stack uses them: is an engine there
//! (and if not, why and how to fix it), which compose CLI is installed, the static release
//! build of backend and worker, the two FROM-scratch images, and the clean-up of worker
//! containers that a killed backend left behind.
//!
//! Short, fixed commands go through xshell's `cmd!`; commands that need an environment,
//! captured output or a timeout go through duct.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;
use xshell::{cmd, Shell};

/// Rust target of the static binaries (must match the images' platform, linux/amd64).
pub const STATIC_TARGET: &str = "x86_64-unknown-linux-gnu";
/// The images the compose file names. Rebuilding them from the same binaries is idempotent,
/// so parallel runs on one host may share them.
pub const BACKEND_IMAGE: &str = "codex-backend:latest";
pub const WORKER_IMAGE: &str = "codex-worker:latest";
/// Label the backend puts on every worker container (`codex.stack=<CODEX_STACK_ID>`).
pub const STACK_LABEL: &str = "codex.stack";

/// How long `docker version` may take before we call the engine unresponsive.
const PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// `Ok(server version)` when a Docker engine answers, else the reason and the fix.
pub fn probe_engine() -> std::result::Result<String, String> {
    let handle = duct::cmd!("docker", "version", "--format", "{{.Server.Version}}")
        .stdin_null()
        .stdout_capture()
        .stderr_capture()
        .unchecked()
        .start();
    let handle = match handle {
        Ok(h) => h,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(
                "the `docker` CLI is not installed: install Docker (the docker.io or \
                        docker-ce package) or use `--stack local`"
                    .into(),
            )
        }
        Err(e) => return Err(format!("could not run `docker version`: {e}")),
    };
    let output = match handle.wait_timeout(PROBE_TIMEOUT) {
        Ok(Some(out)) => out.clone(),
        Ok(None) => {
            let _ = handle.kill();
            return Err(format!(
                "the Docker engine did not answer `docker version` within {}s: check the daemon \
                 (`systemctl status docker`) or DOCKER_HOST",
                PROBE_TIMEOUT.as_secs()
            ));
        }
        Err(e) => return Err(format!("could not run `docker version`: {e}")),
    };
    let stdout = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if output.status.success() && !stdout.is_empty() {
        return Ok(stdout);
    }
    Err(explain_engine_failure(&String::from_utf8_lossy(
        &output.stderr,
    )))
}

/// Turns the CLI's complaint into a cause plus a fix.
fn explain_engine_failure(stderr: &str) -> String {
    let first = stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no error output")
        .trim();
    let lower = stderr.to_lowercase();
    if lower.contains("permission denied") {
        let user = std::env::var("USER").unwrap_or_else(|_| "the runner's user".into());
        format!(
            "the Docker socket refused this user ({first}): give {user} access with \
             `sudo usermod -aG docker {user}` and log in again (or run `newgrp docker`), \
             or run as a user in the `docker` group"
        )
    } else if lower.contains("cannot connect to the docker daemon")
        || lower.contains("is the docker daemon running")
        || lower.contains("no such file or directory")
        || lower.contains("connection refused")
    {
        format!(
            "no Docker engine answers ({first}): start it (`sudo systemctl start docker`) or \
             point DOCKER_HOST at a running one"
        )
    } else {
        format!("the Docker engine did not answer `docker version`: {first}")
    }
}

/// The installed compose CLI: `docker compose` (v2) when it works, else `docker-compose` (v1).
#[derive(Debug, Clone)]
pub struct ComposeCli {
    program: &'static str,
    prefix: &'static [&'static str],
    /// e.g. `docker-compose 1.29.2`, for the start-up line.
    pub description: String,
}

impl ComposeCli {
    pub fn detect() -> Result<Self> {
        let candidates: [(&'static str, &'static [&'static str]); 2] =
            [("docker", &["compose"]), ("docker-compose", &[])];
        for (program, prefix) in candidates {
            let out = duct::cmd(program, prefix.iter().chain(&["version", "--short"]))
                .stdin_null()
                .stdout_capture()
                .stderr_null()
                .unchecked()
                .run();
            if let Ok(out) = out {
                let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
                if out.status.success() && !version.is_empty() {
                    let name = [program].iter().chain(prefix).copied().collect::<Vec<_>>();
                    return Ok(ComposeCli {
                        program,
                        prefix,
                        description: format!("{} {version}", name.join(" ")),
                    });
                }
            }
        }
        bail!(
            "neither `docker compose` (v2) nor `docker-compose` (v1) works: install the compose \
             plugin (docker-compose-plugin) or docker-compose, or use `--stack local`"
        )
    }

    /// `<compose> -p <project> -f <file> <args...>`; the caller adds the environment.
    pub fn cmd(&self, project: &str, file: &Path, args: &[&str]) -> duct::Expression {
        let mut all: Vec<std::ffi::OsString> = self.prefix.iter().map(Into::into).collect();
        all.extend(["-p".into(), project.into(), "-f".into(), file.into()]);
        all.extend(args.iter().map(Into::into));
        duct::cmd(self.program, all)
    }
}

/// The directory cargo builds into for this workspace: `CARGO_TARGET_DIR` when set (as the
/// lead and CI may set it), else `<root>/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Paths of the two static release binaries.
#[derive(Debug, Clone)]
pub struct StaticBinaries {
    pub backend: PathBuf,
    pub worker: PathBuf,
}

/// Builds backend and worker as statically linked release binaries, with exactly the
/// command of the brief so that other builds (the backend's docker test) share artifacts:
/// `CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static"
///  cargo build --release --target x86_64-unknown-linux-gnu -p codex-backend -p codex-worker`.
/// Cargo's progress goes to our stderr: a cold build takes minutes.
pub fn build_static_binaries(root: &Path) -> Result<StaticBinaries> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = duct::cmd(
        cargo,
        [
            "build",
            "--release",
            "--target",
            STATIC_TARGET,
            "-p",
            "codex-backend",
            "-p",
            "codex-worker",
        ],
    )
    .dir(root)
    .env(
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
        "-C target-feature=+crt-static",
    )
    .stdin_null()
    .stdout_to_stderr()
    .unchecked()
    .run()
    .context("running cargo for the static release build")?
    .status;
    if !status.success() {
        bail!(
            "the static release build of codex-backend and codex-worker failed ({status}): \
             see cargo's output above; the target must be installed \
             (`rustup target add {STATIC_TARGET}`) and glibc's static libraries present \
             (Debian: libc6-dev)"
        );
    }
    let dir = target_dir(root).join(STATIC_TARGET).join("release");
    let bins = StaticBinaries {
        backend: dir.join("codex-backend"),
        worker: dir.join("codex-worker"),
    };
    for bin in [&bins.backend, &bins.worker] {
        if !bin.is_file() {
            bail!(
                "cargo reported success but {} is missing: is CARGO_TARGET_DIR the same for \
                 this xtask and for cargo?",
                bin.display()
            );
        }
    }
    Ok(bins)
}

/// `docker build` of one image from a temporary context holding only the binary and the
/// Dockerfile (a few MB sent to the daemon, whatever else lies in target/).
pub fn build_image(dockerfile: &Path, binary: &Path, tag: &str) -> Result<()> {
    let ctx = tempfile::Builder::new()
        .prefix("codex-image-")
        .tempdir()
        .context("creating a temporary docker build context")?;
    let name = binary
        .file_name()
        .context("the binary path has no file name")?;
    std::fs::copy(binary, ctx.path().join(name))
        .with_context(|| format!("copying {} into the build context", binary.display()))?;
    std::fs::copy(dockerfile, ctx.path().join("Dockerfile"))
        .with_context(|| format!("copying {} into the build context", dockerfile.display()))?;
    let build_arg = format!("BINARY={}", name.to_string_lossy());
    let previous = image_id(tag);
    let out = duct::cmd!(
        "docker",
        "build",
        "--quiet",
        "--tag",
        tag,
        "--build-arg",
        build_arg,
        "."
    )
    .dir(ctx.path())
    .stdin_null()
    .stderr_to_stdout()
    .stdout_capture()
    .unchecked()
    .run()
    .context("running docker build")?;
    if !out.status.success() {
        let text = String::from_utf8_lossy(&out.stdout);
        bail!(
            "docker build of {tag} failed ({}):\n{}\nfix the Dockerfile ({}) or the engine; \
             nothing is pulled (FROM scratch), so no registry access is needed",
            out.status,
            tail(&text, 20),
            dockerfile.display()
        );
    }
    // The image this tag named before is now dangling: remove it so that rebuilds do not
    // pile up on a runner (best effort: a container of another stack may still use it).
    if let (Some(old), Some(new)) = (previous, image_id(tag)) {
        if old != new {
            let _ = duct::cmd!("docker", "rmi", old)
                .stdin_null()
                .stdout_null()
                .stderr_null()
                .unchecked()
                .run();
        }
    }
    Ok(())
}

/// The id of a local image, if it exists.
fn image_id(tag: &str) -> Option<String> {
    let out = duct::cmd!("docker", "image", "inspect", "--format", "{{.Id}}", tag)
        .stdin_null()
        .stderr_null()
        .stdout_capture()
        .unchecked()
        .run()
        .ok()?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !id.is_empty()).then_some(id)
}

/// Static binaries, then both images. Returns the binaries' paths.
pub fn build_images(root: &Path) -> Result<StaticBinaries> {
    let bins = build_static_binaries(root)?;
    build_image(
        &root.join("backend/Dockerfile"),
        &bins.backend,
        BACKEND_IMAGE,
    )?;
    build_image(&root.join("worker/Dockerfile"), &bins.worker, WORKER_IMAGE)?;
    Ok(bins)
}

/// Size of a local image in bytes.
pub fn image_size(tag: &str) -> Result<u64> {
    let sh = Shell::new()?;
    let format = "{{.Size}}";
    let size = cmd!(sh, "docker image inspect --format {format} {tag}")
        .quiet()
        .read()
        .with_context(|| format!("inspecting image {tag}"))?;
    size.trim()
        .parse()
        .with_context(|| format!("docker reported a size for {tag} that is not a number: {size}"))
}

/// `codex-backend:latest 5.1 MB, codex-worker:latest 1.9 MB` (best effort, for the report).
pub fn image_sizes_line() -> String {
    [BACKEND_IMAGE, WORKER_IMAGE]
        .iter()
        .map(|tag| match image_size(tag) {
            Ok(bytes) => format!("{tag} {:.1} MB", bytes as f64 / 1_000_000.0),
            Err(_) => format!("{tag} size unknown"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// IDs of all containers (running or not) carrying `label=value`.
pub fn containers_with_label(label: &str, value: &str) -> Result<Vec<String>> {
    let sh = Shell::new()?;
    let filter = format!("label={label}={value}");
    let ids = cmd!(sh, "docker ps --all --quiet --no-trunc --filter {filter}")
        .quiet()
        .read()
        .with_context(|| format!("listing containers with {label}={value}"))?;
    Ok(ids.split_whitespace().map(str::to_owned).collect())
}

/// Removes (forcibly) the worker containers of a stack: the ones a killed or stopped backend
/// could not clean up. They also hold the workspaces volume, which `down -v` cannot remove
/// while they exist. Returns how many were removed.
pub fn remove_stack_workers(stack_id: &str) -> Result<usize> {
    let ids = containers_with_label(STACK_LABEL, stack_id)?;
    if ids.is_empty() {
        return Ok(0);
    }
    let sh = Shell::new()?;
    let count = ids.len();
    cmd!(sh, "docker rm --force --volumes {ids...}")
        .quiet()
        .ignore_stdout()
        .run()
        .with_context(|| format!("removing the worker containers of stack {stack_id}"))?;
    Ok(count)
}

/// The last `n` lines of a text, for error messages.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_failures_name_the_cause_and_the_fix() {
        let perm = explain_engine_failure(
            "permission denied while trying to connect to the Docker daemon socket at \
             unix:///var/run/docker.sock: Get ...: dial unix /var/run/docker.sock: connect: \
             permission denied\n",
        );
        assert!(perm.contains("usermod -aG docker"), "{perm}");
        assert!(perm.contains("log in again"), "{perm}");
        let down = explain_engine_failure(
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker \
             daemon running?\n",
        );
        assert!(down.contains("systemctl start docker"), "{down}");
        let other = explain_engine_failure("\nsomething odd\n");
        assert!(other.contains("something odd"), "{other}");
    }

    /// Real engine: a failed build names the image and the step; a built image's containers
    /// are found and removed by their stack label. Skipped without an engine.
    #[test]
    fn image_build_and_worker_cleanup_against_the_engine() {
        if let Err(why) = probe_engine() {
            println!("skipped: {why}");
            return;
        }
        let unique = format!("codex-docker-test-{}", std::process::id());
        let dir = tempfile::tempdir().unwrap();
        let payload = dir.path().join("payload");
        std::fs::write(
            &payload,
            "not a program; the container is created, never started",
        )
        .unwrap();

        let broken = dir.path().join("Broken.Dockerfile");
        std::fs::write(&broken, "FROM scratch\nCOPY missing-file /x\n").unwrap();
        let err = format!(
            "{:#}",
            build_image(&broken, &payload, &format!("{unique}:broken")).unwrap_err()
        );
        assert!(
            err.contains("docker build of") && err.contains("missing-file"),
            "{err}"
        );

        let good = dir.path().join("Dockerfile");
        std::fs::write(
            &good,
            "FROM scratch\nARG BINARY\nCOPY ${BINARY} /payload\nENTRYPOINT [\"/payload\"]\n",
        )
        .unwrap();
        let tag = format!("{unique}:latest");
        build_image(&good, &payload, &tag).unwrap();
        assert!(image_size(&tag).unwrap() > 0);

        let label = format!("{STACK_LABEL}={unique}");
        for _ in 0..2 {
            duct::cmd!("docker", "create", "--label", &label, &tag)
                .stdout_null()
                .run()
                .unwrap();
        }
        assert_eq!(
            containers_with_label(STACK_LABEL, &unique).unwrap().len(),
            2
        );
        assert_eq!(remove_stack_workers(&unique).unwrap(), 2);
        assert!(containers_with_label(STACK_LABEL, &unique)
            .unwrap()
            .is_empty());
        assert_eq!(remove_stack_workers(&unique).unwrap(), 0, "idempotent");
        duct::cmd!("docker", "rmi", &tag)
            .stdout_null()
            .run()
            .unwrap();
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
