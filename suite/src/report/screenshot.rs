//! `report.png`: a screenshot of `report.html` taken by a headless Chromium when one is
//! installed (CI installs Debian's `chromium-headless-shell`). Best effort: a run never fails
//! because there is no browser or the browser misbehaves.
//!
//! One browser call (`--screenshot`) after report.html is written.

use crate::evidence::files;
use crate::sys::process::output_within;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The eight bytes every PNG file starts with.
pub(crate) const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Browsers tried in order on `PATH`; `CHROMIUM` (a path or a name) is tried first.
pub(crate) const BROWSERS: [&str; 5] = [
    "chromium-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "chrome-headless-shell",
];

/// How long one browser call may take before it is killed.
pub(crate) const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// The flags of every browser call: headless, with a throwaway profile.
const FLAGS: [&str; 9] = [
    "--headless",
    // Root in CI containers cannot use the sandbox; the page is our own file.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--mute-audio",
    // One process for one local page: no zygote or renderer processes to start.
    "--single-process",
    "--no-zygote",
    // Frames are drawn as soon as they are ready, not paced to a display's refresh: there
    // is no display, and the screenshot waits for its frame. A still page draws none.
    "--disable-frame-rate-limit",
];

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

/// `<run_dir>/report.png` from `<run_dir>/report.html`, when a browser exists, by one
/// browser call. Returns what happened, one line for the run's output; never an error.
pub(crate) fn best_effort(run_dir: &Path) -> String {
    let Some(browser) = find_browser() else {
        return "report.png: skipped, no chromium (install chromium-headless-shell or set \
                CHROMIUM)"
            .into();
    };
    let png = run_dir.join(files::REPORT_PNG);
    let html = run_dir.join(files::REPORT_HTML);
    let page = std::fs::read_to_string(&html).unwrap_or_default();
    let rows = page.matches("<details class=\"row\"").count();
    let open = page.matches("data-verdict=\"FAIL\"").count()
        + page.matches("data-verdict=\"ERROR\"").count();
    match screenshot(&browser, &html, &png, window(rows, open)) {
        Ok(None) => format!("report.png: {}", png.display()),
        // Chromium's single process sometimes crashes on its way out, after a whole PNG.
        Ok(Some(_)) => format!(
            "report.png: {} (whole; the browser crashed after writing it)",
            png.display()
        ),
        Err(e) => format!("report.png: not written ({e:#})"),
    }
}

/// Renders `html` into `png` in a `width`×`height` window. A browser that fails after
/// writing a whole PNG (Chromium's single process sometimes crashes on its way out) leaves
/// it in place: `Ok` with that failure.
pub fn screenshot(
    browser: &Path,
    html: &Path,
    png: &Path,
    (width, height): (u32, u32),
) -> Result<Option<anyhow::Error>> {
    let _ = std::fs::remove_file(png);
    let ran = run(
        browser,
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={width},{height}"),
            "--hide-scrollbars".into(),
        ],
        html,
    );
    match ran {
        Ok(()) if png.is_file() => Ok(None),
        Ok(()) => bail!(
            "{} exited without writing {}",
            browser.display(),
            png.display()
        ),
        Err(e) if whole_png(png) => Ok(Some(e)),
        Err(e) => {
            let _ = std::fs::remove_file(png);
            Err(e)
        }
    }
}

/// Whether `png` holds a whole PNG: its signature first, its `IEND` chunk last.
fn whole_png(png: &Path) -> bool {
    const IEND: &[u8] = b"\0\0\0\0IEND\xaeB`\x82";
    std::fs::read(png).is_ok_and(|b| b.starts_with(PNG_SIGNATURE) && b.ends_with(IEND))
}

/// Runs the browser headless on `file://<html>` with a throwaway profile; an error with its
/// stderr tail when it fails. Killed after [`BROWSER_TIMEOUT`].
fn run(browser: &Path, args: &[String], html: &Path) -> Result<()> {
    let html = html
        .canonicalize()
        .with_context(|| format!("{} does not exist", html.display()))?;
    let scratch = tempfile::tempdir().context("creating a browser profile folder")?;
    let mut cmd = Command::new(browser);
    cmd.args(FLAGS)
        .arg(format!(
            "--user-data-dir={}",
            scratch.path().join("profile").display()
        ))
        .args(args)
        .arg(format!("file://{}", html.display()));
    let Some(out) = output_within(cmd, BROWSER_TIMEOUT)
        .with_context(|| format!("starting {}", browser.display()))?
    else {
        bail!(
            "{} did not finish within {}s and was killed",
            browser.display(),
            BROWSER_TIMEOUT.as_secs()
        );
    };
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        bail!(
            "{} exited with {}: {}",
            browser.display(),
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests;
