//! `report.png`: a screenshot of `report.html` taken by a headless Chromium when one is
//! installed (CI installs Debian's `chromium-headless-shell`). Best effort: a run never fails
//! because there is no browser or the browser misbehaves.
//!
//! This file uses nothing of the xtask but `anyhow`, so the browser test includes it as is.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The screenshot's file name, next to `report.html`.
pub const PNG: &str = "report.png";

/// Browsers tried in order on `PATH`; `CHROMIUM` (a path or a name) is tried first.
pub const BROWSERS: [&str; 5] = [
    "chromium-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "chrome-headless-shell",
];

/// How long one browser call may take before it is killed.
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// The window width, and the height that fits the header, the timeline and `rows` collapsed
/// rows of which `open` (failures) are expanded.
pub fn window(rows: usize, open: usize) -> (u32, u32) {
    let height = 900 + 45 * rows + 900 * open;
    (1200, height.clamp(1200, 12_000) as u32)
}

/// The first browser found: `$CHROMIUM`, then [`BROWSERS`] on `PATH`.
pub fn find_browser() -> Option<PathBuf> {
    let from_env = std::env::var_os("CHROMIUM").map(PathBuf::from);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = |name: &Path| -> Option<PathBuf> {
        if name.components().count() > 1 {
            return name.is_file().then(|| name.to_path_buf());
        }
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    };
    from_env
        .iter()
        .filter_map(|p| on_path(p))
        .chain(BROWSERS.iter().filter_map(|b| on_path(Path::new(b))))
        .next()
}

/// `<run_dir>/report.png` from `<run_dir>/report.html`, when a browser exists. Returns
/// what happened, one line for the run's output; never an error.
pub fn best_effort(run_dir: &Path) -> String {
    let Some(browser) = find_browser() else {
        return "report.png: skipped, no chromium (install chromium-headless-shell or set \
                CHROMIUM)"
            .into();
    };
    let png = run_dir.join(PNG);
    let html = run_dir.join("report.html");
    let page = std::fs::read_to_string(&html).unwrap_or_default();
    let rows = page.matches("<details class=\"row\"").count();
    let open = page.matches("data-verdict=\"FAIL\"").count()
        + page.matches("data-verdict=\"ERROR\"").count();
    match screenshot(&browser, &html, &png, window(rows, open)) {
        Ok(()) => format!("report.png: {}", png.display()),
        Err(e) => format!("report.png: not written ({e:#})"),
    }
}

/// Renders `html` into `png` in a `width`×`height` window.
pub fn screenshot(
    browser: &Path,
    html: &Path,
    png: &Path,
    (width, height): (u32, u32),
) -> Result<()> {
    let _ = std::fs::remove_file(png);
    run(
        browser,
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={width},{height}"),
            "--hide-scrollbars".into(),
        ],
        html,
    )?;
    if !png.is_file() {
        bail!(
            "{} exited without writing {}",
            browser.display(),
            png.display()
        );
    }
    Ok(())
}

/// The DOM after parsing, as the browser serializes it (`--dump-dom`).
#[allow(dead_code)] // the browser test's
pub fn dump_dom(browser: &Path, html: &Path) -> Result<String> {
    run(browser, &["--dump-dom".into()], html)
}

/// Runs the browser headless on `file://<html>` with a throwaway profile; its stdout, or an
/// error with its stderr tail. Killed after [`BROWSER_TIMEOUT`].
fn run(browser: &Path, args: &[String], html: &Path) -> Result<String> {
    let html = html
        .canonicalize()
        .with_context(|| format!("{} does not exist", html.display()))?;
    let scratch = tempfile::tempdir().context("creating a browser profile folder")?;
    let out_path = scratch.path().join("stdout");
    let err_path = scratch.path().join("stderr");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            // Root in CI containers cannot use the sandbox; the page is our own file.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--mute-audio",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch.path().join("profile").display()
        ))
        .args(args)
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        // Files, not pipes: a large DOM cannot block the browser while we wait.
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(std::fs::File::create(&err_path)?)
        .spawn()
        .with_context(|| format!("starting {}", browser.display()))?;
    let deadline = Instant::now() + BROWSER_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{} did not finish within {}s and was killed",
                browser.display(),
                BROWSER_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    if !status.success() {
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        bail!(
            "{} exited with {status}: {}",
            browser.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        );
    }
    Ok(stdout)
}
