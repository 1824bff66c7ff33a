//! The static build of backend and worker (cargo profile `image`) and the two FROM-scratch
//! images the compose file names.
//!
//! Tags: a suite run tags its images for itself (`codex-backend:<project>`), hands the tags to
//! compose (`CODEX_BACKEND_IMAGE`, `CODEX_WORKER_IMAGE`) and removes them at the end, so that
//! parallel runs built from different commits never replace each other's images.
//! The developer's stack (`cargo xtask up`) uses `:latest`, the compose file's default.

use anyhow::{bail, Context, Result};
use codex_live_suite::docker::{combined, tail};
use codex_live_suite::process::run_grouped;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use xshell::{cmd, Shell};

/// Rust target of the static binaries (must match the images' platform, linux/amd64).
pub const STATIC_TARGET: &str = "x86_64-unknown-linux-gnu";
/// The cargo profile of the static binaries (`[profile.image]` in Cargo.toml: no LTO, more
/// codegen units, opt-level 1; `cargo xtask bench --cold` times it).
pub const IMAGE_PROFILE: &str = "image";
/// Static linking of glibc for the images' target only (host build scripts stay dynamic).
pub const STATIC_RUSTFLAGS_VAR: &str = "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS";
pub const STATIC_RUSTFLAGS: &str = "-C target-feature=+crt-static";
/// `cargo build` arguments of the images' static binaries (with `STATIC_RUSTFLAGS`); the
/// bench's cold build uses the same list.
pub const STATIC_BUILD_ARGS: [&str; 8] = [
    "--profile",
    IMAGE_PROFILE,
    "--target",
    STATIC_TARGET,
    "-p",
    "codex-backend",
    "-p",
    "codex-worker",
];

/// The tags of the two images one stack uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageTags {
    pub backend: String,
    pub worker: String,
}

impl ImageTags {
    /// The compose file's defaults, for the developer's stack.
    pub fn latest() -> Self {
        ImageTags::named("latest")
    }

    /// One run's own tags (`name`: its compose project, unique per run).
    pub fn for_run(name: &str) -> Self {
        ImageTags::named(name)
    }

    fn named(tag: &str) -> Self {
        ImageTags {
            backend: format!("codex-backend:{tag}"),
            worker: format!("codex-worker:{tag}"),
        }
    }

    /// Removes both tags (best effort; the image itself goes when no other tag names it and
    /// no container uses it). One `docker rmi` for both: it goes on past a tag it cannot
    /// remove.
    /// The variables that name these images to our compose file.
    pub fn compose_env(&self) -> Vec<(String, String)> {
        vec![
            ("CODEX_BACKEND_IMAGE".to_owned(), self.backend.clone()),
            ("CODEX_WORKER_IMAGE".to_owned(), self.worker.clone()),
        ]
    }

    pub fn remove(&self) {
        remove_tags(&[&self.backend, &self.worker]);
    }
}

/// `docker rmi <tag>` without `--force`: untags, never removes an image a container uses.
pub fn remove_tag(tag: &str) {
    remove_tags(&[tag]);
}

/// `remove_tag` of several tags (best effort: a tag in use or gone stays as it is).
fn remove_tags(tags: &[&str]) {
    let _ = codex_live_suite::docker::remove_tags(tags);
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

/// Where the static binaries land: `<target>/x86_64-unknown-linux-gnu/image/`.
pub fn static_dir(root: &Path) -> PathBuf {
    target_dir(root).join(STATIC_TARGET).join(IMAGE_PROFILE)
}

/// Whether both static binaries were built before (maybe stale: cargo then rebuilds only
/// what changed, which is quick).
pub fn static_binaries_exist(root: &Path) -> bool {
    let dir = static_dir(root);
    dir.join("codex-backend").is_file() && dir.join("codex-worker").is_file()
}

/// Builds backend and worker as statically linked binaries, with exactly the command other
/// builds use (the backend's docker test, the workflow) so that they share artifacts:
/// `CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-feature=+crt-static"
///  cargo build --profile image --target x86_64-unknown-linux-gnu -p codex-backend -p codex-worker`.
pub fn build_static_binaries(root: &Path) -> Result<StaticBinaries> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let sh = Shell::new()?;
    sh.change_dir(root);
    // Cargo's progress goes to our stderr (a cold build takes minutes); stdout stays ours.
    // In a process group the run's reaper stops if the run is killed meanwhile.
    let mut build: std::process::Command = cmd!(sh, "{cargo} build {STATIC_BUILD_ARGS...}")
        .env(STATIC_RUSTFLAGS_VAR, STATIC_RUSTFLAGS)
        .into();
    build.stdout(std::process::Stdio::null());
    let built = run_grouped(build).map_err(|e| e.to_string()).and_then(|s| {
        if s.success() {
            Ok(())
        } else {
            Err(s.to_string())
        }
    });
    if let Err(e) = built {
        bail!(
            "the static build of codex-backend and codex-worker failed ({e}): \
             see cargo's output above; the target must be installed \
             (`rustup target add {STATIC_TARGET}`) and glibc's static libraries present \
             (Debian: libc6-dev)"
        );
    }
    let dir = static_dir(root);
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
    let sh = Shell::new()?;
    sh.change_dir(ctx.path());
    let out = cmd!(
        sh,
        "docker build --quiet --tag {tag} --build-arg {build_arg} ."
    )
    .quiet()
    .ignore_status()
    .output()
    .context("running docker build")?;
    if !out.status.success() {
        let text = combined(&out);
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
            let _ = cmd!(sh, "docker rmi {old}")
                .quiet()
                .ignore_status()
                .ignore_stdout()
                .ignore_stderr()
                .run();
        }
    }
    Ok(())
}

/// The id of a local image, if it exists.
fn image_id(tag: &str) -> Option<String> {
    let sh = Shell::new().ok()?;
    let format = "{{.Id}}";
    let out = cmd!(sh, "docker image inspect --format {format} {tag}")
        .quiet()
        .ignore_stderr()
        .ignore_status()
        .output()
        .ok()?;
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !id.is_empty()).then_some(id)
}

/// Static binaries, then both images under `tags`. Returns the binaries' paths.
pub fn build_images(root: &Path, tags: &ImageTags) -> Result<StaticBinaries> {
    let bins = build_static_binaries(root)?;
    ensure_image(
        &root.join("backend/Dockerfile"),
        &bins.backend,
        &tags.backend,
    )?;
    ensure_image(&root.join("worker/Dockerfile"), &bins.worker, &tags.worker)?;
    Ok(bins)
}

/// `<repository>:c-<sha256 of binary and Dockerfile, 16 hex>`: the tag that names an
/// image by what it holds.
pub fn content_tag(tag: &str, dockerfile: &Path, binary: &Path) -> Result<String> {
    let mut hash = Sha256::new();
    for file in [dockerfile, binary] {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    let hex: String = hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let repository = tag.split_once(':').map_or(tag, |(r, _)| r);
    Ok(format!("{repository}:c-{hex}"))
}

/// `tag` names an image of `binary`: `docker tag` of the image with the same content when
/// one exists (milliseconds), else `docker build` of it. Older content
/// tags of the repository are removed (untagged only: a run's own tag keeps its image).
pub fn ensure_image(dockerfile: &Path, binary: &Path, tag: &str) -> Result<()> {
    let content = content_tag(tag, dockerfile, binary)?;
    if image_id(&content).is_none() {
        build_image(dockerfile, binary, &content)?;
        let (repository, _) = content.split_once(':').expect("content tags have a colon");
        let older = content_tags(repository);
        remove_tags(
            &older
                .iter()
                .map(String::as_str)
                .filter(|old| *old != content)
                .collect::<Vec<_>>(),
        );
    }
    let sh = Shell::new()?;
    let out = cmd!(sh, "docker tag {content} {tag}")
        .quiet()
        .ignore_status()
        .output()
        .context("running docker tag")?;
    if !out.status.success() {
        bail!(
            "docker tag {content} {tag} failed: {}",
            combined(&out).trim()
        );
    }
    Ok(())
}

/// Every `c-…` tag of `repository`.
fn content_tags(repository: &str) -> Vec<String> {
    tags_of(repository, "c-")
}

/// The tags of `repository` on the engine that start with `prefix`.
fn tags_of(repository: &str, prefix: &str) -> Vec<String> {
    let Ok(sh) = Shell::new() else {
        return Vec::new();
    };
    let format = "{{.Repository}}:{{.Tag}}";
    cmd!(sh, "docker image ls --format {format} {repository}")
        .quiet()
        .ignore_status()
        .ignore_stderr()
        .read()
        .unwrap_or_default()
        .lines()
        .filter(|t| {
            t.split_once(':')
                .is_some_and(|(_, tag)| tag.starts_with(prefix))
        })
        .map(str::to_owned)
        .collect()
}

/// The tags runs gave our images (`codex-backend:<project>`, `codex-worker:<project>`).
pub fn run_tags() -> Vec<String> {
    ["codex-backend", "codex-worker"]
        .iter()
        .flat_map(|r| tags_of(r, "codex-"))
        .collect()
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
pub fn image_sizes_line(tags: &ImageTags) -> String {
    [&tags.backend, &tags.worker]
        .iter()
        .map(|tag| match image_size(tag) {
            Ok(bytes) => format!("{tag} {:.1} MB", bytes as f64 / 1_000_000.0),
            Err(_) => format!("{tag} size unknown"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
