//! A browser started with the run, so that its start-up is not paid at the end: it opens a
//! page and renders a tiny one while the ladder runs (over the DevTools pipe, `pipe.rs`);
//! at the end the page's document becomes report.html's text (set in place: no navigation,
//! and the report loads nothing else) and the browser returns its screenshot. The
//! browser runs in its own process group, which a signal kills, and is killed when the
//! [`Warm`] is dropped.

use super::pipe::Pipe;
use super::BROWSER_TIMEOUT;
use crate::process::{signal_group, spawn_grouped, Tether};
use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use serde_json::json;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::Instant;

/// The page rendered while the run goes on: the renderer is up when report.html comes.
const WARM_UP: &str = "data:text/html,<!doctype html><title>warm</title><p>warm</p>";

/// A started browser and its page, opened on a thread of its own.
pub struct Warm {
    browser: PathBuf,
    child: Child,
    page: Option<JoinHandle<Result<Page>>>,
    _profile: tempfile::TempDir,
}

/// The page the browser opened for the screenshot, and its connection.
struct Page {
    pipe: Pipe,
    session: String,
    /// The page's main frame, whose document the report replaces.
    frame: String,
}

impl Warm {
    /// Starts `browser` headless with a DevTools pipe and opens its page meanwhile (within
    /// [`BROWSER_TIMEOUT`]).
    pub fn launch(browser: &Path) -> Result<Warm> {
        let profile = tempfile::tempdir().context("creating a browser profile folder")?;
        let (browser_reads, to_browser) = std::io::pipe()?;
        let (from_browser, browser_writes) = std::io::pipe()?;
        let mut cmd = Command::new(browser);
        cmd.args(super::FLAGS)
            .args(["--hide-scrollbars", "--remote-debugging-pipe"])
            .arg(format!(
                "--user-data-dir={}",
                profile.path().join("profile").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let (reads, writes) = (browser_reads.as_raw_fd(), browser_writes.as_raw_fd());
        // SAFETY: fcntl and dup2 are async-signal-safe. The ends are first copied above fd 9
        // so that placing one on fd 3 or 4 cannot close the other; dup2 clears close-on-exec.
        unsafe {
            cmd.pre_exec(move || {
                let reads = libc::fcntl(reads, libc::F_DUPFD_CLOEXEC, 10);
                let writes = libc::fcntl(writes, libc::F_DUPFD_CLOEXEC, 10);
                if reads < 0 || writes < 0 || libc::dup2(reads, 3) < 0 || libc::dup2(writes, 4) < 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = spawn_grouped(&mut cmd, Tether::DiesWithXtask)
            .with_context(|| format!("starting {}", browser.display()))?;
        // Only the browser holds its ends now: its exit ends the pipe.
        drop((cmd, browser_reads, browser_writes));
        let deadline = Instant::now() + BROWSER_TIMEOUT;
        let pipe = Pipe::new(to_browser, from_browser);
        Ok(Warm {
            browser: browser.to_owned(),
            child,
            page: Some(std::thread::spawn(move || open_page(pipe, deadline))),
            _profile: profile,
        })
    }

    /// Whether opening the page ended (opened or failed): a capture then waits only for
    /// its own steps.
    pub fn opened(&self) -> bool {
        self.page.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// The browser this is.
    pub fn browser(&self) -> &Path {
        &self.browser
    }

    /// Renders the document `html` in a `width`×`height` viewport into `png` (within
    /// [`BROWSER_TIMEOUT`], once the page is open); the browser is killed afterwards.
    pub fn capture(mut self, html: &str, png: &Path, (width, height): (u32, u32)) -> Result<()> {
        let opening = self.page.take().context("the page was taken before")?;
        let Page {
            mut pipe,
            session,
            frame,
        } = opening
            .join()
            .map_err(|_| anyhow!("opening the page panicked"))?
            .context("opening a page")?;
        let deadline = Instant::now() + BROWSER_TIMEOUT;
        let metrics = json!({
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false,
        });
        pipe.call(
            Some(&session),
            "Emulation.setDeviceMetricsOverride",
            metrics,
            deadline,
        )?;
        pipe.call(
            Some(&session),
            "Page.setDocumentContent",
            json!({ "frameId": frame, "html": html }),
            deadline,
        )?;
        let shot = pipe.call(
            Some(&session),
            "Page.captureScreenshot",
            json!({ "format": "png", "optimizeForSpeed": true }),
            deadline,
        )?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .context("the screenshot is not base64")?;
        if !bytes.starts_with(super::PNG_SIGNATURE) {
            bail!("the screenshot is not a PNG");
        }
        std::fs::write(png, bytes).with_context(|| format!("writing {}", png.display()))
    }
}

impl Drop for Warm {
    /// Kills the browser's group and reaps its leader.
    fn drop(&mut self) {
        signal_group(self.child.id() as i32, libc::SIGKILL);
        let _ = self.child.wait();
    }
}

/// Opens a page of its own in the browser, attached in flat mode (its messages name its
/// session), and renders [`WARM_UP`] in it.
fn open_page(mut pipe: Pipe, deadline: Instant) -> Result<Page> {
    let target = pipe.call(
        None,
        "Target.createTarget",
        json!({ "url": "about:blank" }),
        deadline,
    )?;
    let target = target["targetId"]
        .as_str()
        .context("Target.createTarget answered without a targetId")?;
    let attached = pipe.call(
        None,
        "Target.attachToTarget",
        json!({ "targetId": target, "flatten": true }),
        deadline,
    )?;
    let session = attached["sessionId"]
        .as_str()
        .context("Target.attachToTarget answered without a sessionId")?
        .to_owned();
    pipe.call(Some(&session), "Page.enable", json!({}), deadline)?;
    navigate(&mut pipe, &session, WARM_UP, deadline)?;
    let tree = pipe.call(Some(&session), "Page.getFrameTree", json!({}), deadline)?;
    let frame = tree["frameTree"]["frame"]["id"]
        .as_str()
        .context("Page.getFrameTree answered without the main frame's id")?
        .to_owned();
    Ok(Page {
        pipe,
        session,
        frame,
    })
}

/// Loads `url` in the page of `session` and waits for its load event.
fn navigate(pipe: &mut Pipe, session: &str, url: &str, deadline: Instant) -> Result<()> {
    pipe.forget_events();
    let nav = pipe.call(
        Some(session),
        "Page.navigate",
        json!({ "url": url }),
        deadline,
    )?;
    if let Some(error) = nav["errorText"].as_str() {
        bail!("loading {url}: {error}");
    }
    pipe.wait_event(session, "Page.loadEventFired", deadline)
}
