//! What `cargo xtask bench` measures beside the runs: image sizes, the engine's and the
//! compose CLI's start-up floors, and `--cold`'s clean builds.

use super::*;

/// The static binaries of the images (the images' only layer), when built.
pub(super) fn image_bytes() -> Vec<(String, u64)> {
    let dir = images::static_dir(&crate::project_root());
    ["codex-backend", "codex-worker"]
        .iter()
        .filter_map(|b| Some(((*b).to_owned(), std::fs::metadata(dir.join(b)).ok()?.len())))
        .collect()
}

/// `docker run --rm` of the worker image with no job: how fast the engine starts one
/// container of it (the worker exits at once without its environment).
pub(super) fn worker_container_floor(runs: u32, events: &Events) -> Result<Stats> {
    let root = crate::project_root();
    let bins = images::build_static_binaries(&root)?;
    let tag = format!("codex-worker:bench-{}", std::process::id());
    images::build_image(&root.join("worker/Dockerfile"), &bins.worker, &tag)?;
    let mut times = Vec::new();
    for _ in 0..runs.max(3) {
        let t = Instant::now();
        let _ = Command::new("docker")
            .args(["run", "--rm", "--network", "none", &tag])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .context("running docker run")?;
        times.push(t.elapsed().as_secs_f64());
    }
    images::remove_tag(&tag);
    let stats = Stats::of(&times).expect("at least three runs");
    events.line(format!(
        "bench: docker run --rm of the worker image: median {:.2}s",
        stats.median
    ));
    Ok(stats)
}

/// How long the compose CLI takes to start and print its version (docker-compose v1 is a
/// Python program; v2 a Go plugin): the part of every `up` and `down` that is not Docker's.
pub(super) fn compose_cli_floor(runs: u32) -> Result<(String, Stats)> {
    let mut times = Vec::new();
    let mut name = String::new();
    for _ in 0..runs.max(3) {
        let t = Instant::now();
        name = crate::docker::ComposeCli::detect()?.description;
        times.push(t.elapsed().as_secs_f64());
    }
    Ok((name, Stats::of(&times).expect("at least three runs")))
}

/// Clean builds in a temporary target folder, one after the other: what a fresh clone pays
/// before its first run (crates already downloaded).
pub(super) fn cold_builds(events: &Events) -> Result<Vec<(String, f64)>> {
    let target = tempfile::Builder::new()
        .prefix("codex-bench-target-")
        .tempdir()
        .context("creating a temporary target folder")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let steps: [(&str, Vec<&str>, bool); 3] = [
        (
            "xtask (cargo xtask's own build)",
            vec!["--bin", "xtask"],
            false,
        ),
        (
            "static images binaries (--profile image)",
            images::STATIC_BUILD_ARGS.to_vec(),
            true,
        ),
        (
            "local stack binaries (debug)",
            crate::stacks::local::LOCAL_BUILD_ARGS.to_vec(),
            false,
        ),
    ];
    let mut times = Vec::new();
    for (what, args, static_build) in steps {
        events.line(format!(
            "bench --cold: building {what} in a clean target folder"
        ));
        let mut cmd = Command::new(&cargo);
        cmd.arg("build")
            .arg("--quiet")
            .args(args)
            .env("CARGO_TARGET_DIR", target.path())
            .current_dir(crate::project_root())
            .stdin(Stdio::null());
        if static_build {
            cmd.env(images::STATIC_RUSTFLAGS_VAR, images::STATIC_RUSTFLAGS);
        }
        let t = Instant::now();
        let status = cmd.status().context("running cargo build")?;
        if !status.success() {
            bail!("cargo build of {what} failed ({status}): see its output above");
        }
        let took = t.elapsed().as_secs_f64();
        events.line(format!("bench --cold: {what}: {took:.1}s"));
        times.push((what.to_owned(), took));
    }
    Ok(times)
}
