//! `report.png`: a screenshot of `report.html` taken by a headless Chromium when one is
//! installed (CI installs Debian's `chromium-headless-shell`). Best effort: a run never fails
//! because there is no browser or the browser misbehaves.
//!
//! Two browser calls after report.html is written: one measures the page's whole height,
//! one takes the shot at that height.

use crate::evidence::files;
use crate::sys::journal::Scratch;
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

/// The window's width: a laptop's screen, whose first 800 pixels are the page's first
/// screen.
pub(crate) const WIDTH: u32 = 1280;
/// The tallest screenshot taken: a page longer than this is cut.
const MAX_HEIGHT: u32 = 16_000;

/// The window, estimated when the page cannot be measured: the header, the timeline and
/// `rows` collapsed rows of which `open` (failures) are expanded.
pub fn window(rows: usize, open: usize) -> (u32, u32) {
    let height = 900 + 45 * rows + 900 * open;
    (WIDTH, height.clamp(1200, MAX_HEIGHT as usize) as u32)
}

/// The page's whole height at [`WIDTH`], as the browser lays it out: a copy of the page
/// (beside no evidence; report.html itself runs no script) with one script that writes its
/// scroll height into the DOM, which the browser then dumps. `None` when it says nothing.
fn measured_height(browser: &Path, html: &Path) -> Option<u32> {
    let page = std::fs::read_to_string(html).ok()?;
    let scratch = Scratch::new("browser").ok()?;
    let copy = scratch.path().join("measure.html");
    let script = "<script>document.documentElement.setAttribute('data-height', \
                  Math.ceil(document.documentElement.scrollHeight))</script>";
    std::fs::write(&copy, format!("{page}{script}")).ok()?;
    let mut cmd = browser_command(browser, scratch.path());
    cmd.args(["--dump-dom", "--hide-scrollbars"])
        .arg(format!("--window-size={WIDTH},800"))
        .arg(format!("file://{}", copy.display()));
    // A browser that crashes on its way out has dumped the DOM all the same.
    let out = output_within(cmd, BROWSER_TIMEOUT).ok()??;
    let dom = String::from_utf8_lossy(&out.stdout);
    let at = dom.find("data-height=\"")? + "data-height=\"".len();
    let digits: String = dom[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<u32>().ok().filter(|h| *h > 0)
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

/// `<run_dir>/report.png` from `<run_dir>/report.html`, when a browser exists, at the page's
/// measured height (estimated when it cannot be measured). Returns what happened, one line
/// for the run's output; never an error.
pub(crate) fn best_effort(run_dir: &Path) -> String {
    let Some(browser) = find_browser() else {
        return "report.png: skipped, no chromium (install chromium-headless-shell or set \
                CHROMIUM)"
            .into();
    };
    let png = run_dir.join(files::REPORT_PNG);
    let html = run_dir.join(files::REPORT_HTML);
    let size = match measured_height(&browser, &html) {
        Some(height) => (WIDTH, height.clamp(800, MAX_HEIGHT)),
        None => {
            let page = std::fs::read_to_string(&html).unwrap_or_default();
            let rows = page.matches("<details class=\"row\"").count();
            let open = page.matches("data-verdict=\"FAIL\"").count()
                + page.matches("data-verdict=\"ERROR\"").count();
            window(rows, open)
        }
    };
    match screenshot(&browser, &html, &png, size) {
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
/// The browser with the flags of every call and a throwaway profile in `scratch`.
fn browser_command(browser: &Path, scratch: &Path) -> Command {
    let mut cmd = Command::new(browser);
    cmd.args(FLAGS).arg(format!(
        "--user-data-dir={}",
        scratch.join("profile").display()
    ));
    cmd
}

fn run(browser: &Path, args: &[String], html: &Path) -> Result<()> {
    let html = html
        .canonicalize()
        .with_context(|| format!("{} does not exist", html.display()))?;
    let scratch = Scratch::new("browser").context("creating a browser profile folder")?;
    let mut cmd = browser_command(browser, scratch.path());
    cmd.args(args).arg(format!("file://{}", html.display()));
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
