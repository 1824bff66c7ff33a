//! What `cargo xtask bench` measures beside the runs: image sizes, the engine's and the
//! compose CLI's start-up floors, and `--cold`'s clean builds.

use super::*;
use anyhow::bail;
use codex_live_suite::screenshot;

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
        name = codex_live_suite::docker::ComposeCli::detect()?.description;
        times.push(t.elapsed().as_secs_f64());
    }
    Ok((name, Stats::of(&times).expect("at least three runs")))
}

/// One browser call taking `report.png` from the report.html in `run_dir` (as a run takes
/// it), `runs` times (at least three): the part of the suite's own time between the report
/// and the zip that waits on the browser. `None` without a browser or a report.html, or
/// when the browser fails.
pub(super) fn screenshot_floor(run_dir: &Path, runs: u32) -> Option<Stats> {
    let browser = screenshot::find_browser()?;
    let html = run_dir.join("report.html");
    let png = tempfile::Builder::new()
        .suffix(".png")
        .tempfile()
        .ok()?
        .into_temp_path();
    let mut times = Vec::new();
    for _ in 0..runs.max(3) {
        let t = Instant::now();
        screenshot::screenshot(&browser, &html, &png, screenshot::window(13, 0)).ok()?;
        times.push(t.elapsed().as_secs_f64());
    }
    Stats::of(&times)
}

/// Which clean builds `--cold` times in a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Builds {
    /// Every build a fresh clone can need: the xtask, the images' static binaries, the
    /// local stack's binaries.
    All,
    /// Only those of its first `cargo xtask live-suite` (the local stack: no images).
    FirstRun,
}

/// Clean builds of the tree at `root` in a temporary target folder, one after the other:
/// what a fresh clone pays before its first run (crates already downloaded).
pub(super) fn cold_builds(root: &Path, builds: Builds, events: &Events) -> Result<Vec<ColdBuild>> {
    let target = tempfile::Builder::new()
        .prefix("codex-bench-target-")
        .tempdir()
        .context("creating a temporary target folder")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let baseline = root != crate::project_root();
    let mut times = Vec::new();
    for step in COLD_STEPS {
        if builds == Builds::FirstRun && !step.first_run {
            continue;
        }
        let what = step.what;
        events.line(format!(
            "bench --cold: building {what} of {} in a clean target folder",
            root.display()
        ));
        let mut cmd = Command::new(&cargo);
        cmd.arg("build")
            .arg("--quiet")
            .args(step.args)
            .env("CARGO_TARGET_DIR", target.path())
            .current_dir(root)
            .stdin(Stdio::null());
        if step.static_build {
            cmd.env(images::STATIC_RUSTFLAGS_VAR, images::STATIC_RUSTFLAGS);
        }
        let t = Instant::now();
        let status = cmd.status().context("running cargo build")?;
        if !status.success() {
            bail!("cargo build of {what} failed ({status}): see its output above");
        }
        let seconds = t.elapsed().as_secs_f64();
        events.line(format!("bench --cold: {what}: {seconds:.1}s"));
        times.push(ColdBuild {
            what: what.to_owned(),
            seconds,
            first_run: step.first_run,
            baseline,
        });
    }
    Ok(times)
}

/// One clean build of `--cold`.
struct ColdStep {
    what: &'static str,
    args: &'static [&'static str],
    /// Built with the images' static flags.
    static_build: bool,
    /// Part of the first `cargo xtask live-suite` of a fresh clone.
    first_run: bool,
}

/// In build order: the xtask first, as `cargo xtask` builds it.
const COLD_STEPS: [ColdStep; 3] = [
    ColdStep {
        what: "xtask (cargo xtask's own build)",
        args: &["--bin", "xtask"],
        static_build: false,
        first_run: true,
    },
    ColdStep {
        what: "static images binaries (--profile image)",
        args: &images::STATIC_BUILD_ARGS,
        static_build: true,
        first_run: false,
    },
    ColdStep {
        what: "local stack binaries (debug)",
        args: &crate::stacks::local::LOCAL_BUILD_ARGS,
        static_build: false,
        first_run: true,
    },
];
