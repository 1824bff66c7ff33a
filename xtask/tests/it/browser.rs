//! report.html of a real run (the local stack: real backend, real worker processes) in a
//! real browser: Debian's `chromium-headless-shell` parses it, the DOM it dumps has the 13
//! scenario rows with their verdicts, the app.py diff, the stack's phases as labelled bands,
//! one timeline bar per scenario that ran and a legend of only what is drawn; the run folder
//! and the zip hold `report.png`, taken by the browser the run started. The worker is
//! wrapped so that every result summary carries a `<script>`: it must come out as text.
//! Without a browser: "skipped: no chromium".

use crate::support::{local_suite_with_worker, real_worker, Run};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the wrapped worker writes into every summary (no `|`, `&` or `'`: it goes through
/// a single-quoted sed expression).
const MARKUP: &str = "<script>document.body.remove()</script>";

const IDS: [&str; 13] = [
    "L01", "L02", "L03", "L04", "L05", "L06", "L07", "L08", "ROLLBACK", "M01", "M02", "M03", "M04",
];

#[test]
fn report_html_of_a_real_run_in_a_real_browser() {
    let Some(browser) = find_browser() else {
        println!("skipped: no chromium (install chromium-headless-shell or set CHROMIUM)");
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let script = format!(
        r#"#!/bin/sh
"{}" "$@"
rc=$?
sed -i 's|"summary": *"|&{MARKUP} |' "$WORKSPACE_DIR/.codex/result.json"
exit $rc
"#,
        real_worker().display()
    );
    let run = local_suite_with_worker(out.path(), "markup-worker.sh", &script, &[]);
    run.assert_code(0);
    assert!(
        run.read("live/L05/result_excerpt.txt").contains(MARKUP),
        "the wrapper did not reach the result"
    );
    let html = run.run_dir.join("report.html");
    let dom = dump_dom(&browser, &html);

    // 13 rows, in ladder order, each with the verdict summary.txt gives it.
    let rows: Vec<&str> = dom.split("<details class=\"row\"").skip(1).collect();
    assert_eq!(rows.len(), 13, "{dom}");
    for (row, id) in rows.iter().zip(IDS) {
        let (verdict, _) = run.verdict(id);
        assert!(
            row.starts_with(&format!(" id=\"row-{id}\" data-verdict=\"{verdict}\"")),
            "{id}: {}",
            &row[..row.len().min(200)]
        );
    }
    // L05 and L06: app.py before and after, added lines coloured.
    for id in ["L05", "L06"] {
        let diff = dom
            .split(&format!("<pre class=\"diff\" data-scenario=\"{id}\">"))
            .nth(1)
            .unwrap_or_else(|| panic!("no diff for {id}"));
        let diff = &diff[..diff.find("</pre>").unwrap()];
        assert!(diff.contains("<span class=\"add\">+"), "{id}: {diff}");
    }
    // One bar per scenario that ran; the rollback is marked.
    let ran = IDS.iter().filter(|id| run.verdict(id).0 != "SKIP").count();
    let svg = &dom[dom.find("<svg").unwrap()..dom.find("</svg>").unwrap()];
    assert_eq!(svg.matches("<rect class=\"bar ").count(), ran, "{svg}");
    assert!(svg.contains("id=\"rollback-mark\""));
    // The stack's phases: build and up before the scenarios and down after them, compressed
    // past a break mark each side; the rollback's up in place; each labelled.
    for (band, n) in [("build", 1), ("up", 2), ("down", 1)] {
        let class = format!("<rect class=\"phase {band}\"");
        assert_eq!(svg.matches(&class).count(), n, "{band}: {svg}");
    }
    assert_eq!(svg.matches("<g class=\"break\"").count(), 2, "{svg}");
    for label in [">build ", ">up ", ">rollback up ", ">down "] {
        assert!(svg.contains(label), "no {label:?} label: {svg}");
    }
    // Every legend entry is drawn.
    let legend = &dom[dom.find("id=\"legend\"").unwrap()..];
    let legend = &legend[..legend.find("</p>").unwrap()];
    for key in legend.split("data-key=\"").skip(1) {
        let key = &key[..key.find('"').unwrap()];
        assert!(
            svg.contains(&format!("class=\"{key}")),
            "legend {key:?} not drawn"
        );
    }
    // The backend's markup is text: escaped, never an element.
    assert!(
        !dom.contains("<script"),
        "a <script> element reached the DOM"
    );
    assert!(dom.contains("&lt;script&gt;document.body.remove()&lt;/script&gt;"));

    assert_screenshot(&run);
    println!(
        "report.html: {} bytes",
        std::fs::metadata(&html).unwrap().len()
    );
}

/// The pipeline's screenshot, in the folder and in the zip, at the first screen's width and
/// the page's whole height: the last scenario's row is inside it.
fn assert_screenshot(run: &Run) {
    let said = format!("{}{}", run.stdout, run.stderr);
    let line = said
        .lines()
        .find(|l| l.starts_with("report.png: "))
        .unwrap_or_default();
    let written = format!("report.png: {}", run.run_dir.join("report.png").display());
    assert!(line.starts_with(&written), "{line:?}\n{said}");
    let png = std::fs::read(run.run_dir.join("report.png")).expect("report.png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000);
    let (width, height) = png_size(&png);
    let browser = find_browser().expect("a browser took it");
    let rows = layout(&browser, &run.run_dir.join("report.html"), &["row-M04"]);
    assert_eq!(width, 1280);
    assert!(
        rows["row-M04"].1 <= height,
        "M04 ends at {} of {height}",
        rows["row-M04"].1
    );
    let entries = run.zip_entries();
    for f in ["report.html", "report.png", "run.json"] {
        assert!(entries.iter().any(|e| e.ends_with(&format!("/{f}"))), "{f}");
    }
    println!("report.png: {} bytes", png.len());
}

/// A PNG's width and height, from its header.
fn png_size(png: &[u8]) -> (u32, u32) {
    let word = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

/// Where the elements `ids` of `html` lie, (top, bottom) in pixels, laid out by the browser
/// at the first screen's size: a copy of the page with a script that writes their boxes
/// into the DOM, dumped.
fn layout(
    browser: &Path,
    html: &Path,
    ids: &[&str],
) -> std::collections::BTreeMap<String, (u32, u32)> {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("layout.html");
    let list = ids
        .iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(",");
    let script = format!(
        "<script>document.documentElement.setAttribute('data-boxes', [{list}].map(function(i) \
         {{ var r = document.getElementById(i).getBoundingClientRect(); \
         return i + ':' + Math.ceil(r.top + scrollY) + ':' + Math.ceil(r.bottom + scrollY); }}).join(';'))</script>"
    );
    std::fs::write(&copy, std::fs::read_to_string(html).unwrap() + &script).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(["--window-size=1280,800", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", copy.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let at = dom
        .find("data-boxes=\"")
        .unwrap_or_else(|| panic!("no boxes: {dom}"))
        + 12;
    dom[at..dom[at..].find('"').unwrap() + at]
        .split(';')
        .map(|b| {
            let parts: Vec<&str> = b.split(':').collect();
            (
                parts[0].to_owned(),
                (parts[1].parse().unwrap(), parts[2].parse().unwrap()),
            )
        })
        .collect()
}

/// A failed run's page leads with the failure: its scenario, reason and notes on the first
/// screen (1280×800), above the settings and the timeline, and in report.png.
#[test]
fn a_failed_runs_first_screen_shows_why_it_failed() {
    let Some(browser) = find_browser() else {
        println!("skipped: no chromium (install chromium-headless-shell or set CHROMIUM)");
        return;
    };
    let out = tempfile::tempdir().unwrap();
    // Every edit job ends in error: L05 fails, the rest of the ladder is gated.
    let script = crate::support::broken_edit_worker();
    let run = local_suite_with_worker(out.path(), "broken-edit-worker.sh", &script, &[]);
    run.assert_code(1);
    let html = run.run_dir.join("report.html");
    let page = std::fs::read_to_string(&html).unwrap();
    let (_, reason) = run.verdict("L05");
    assert!(page.contains("id=\"failure\""), "{page}");
    let boxes = layout(&browser, &html, &["failure-reason", "scenarios", "row-M04"]);
    let (_, reason_bottom) = boxes["failure-reason"];
    assert!(
        reason_bottom <= 800,
        "the reason ends at {reason_bottom}px: {boxes:?}"
    );
    assert!(boxes["scenarios"].0 > reason_bottom, "{boxes:?}");
    // The reason is the scenario's own, as summary.txt gives it (cut there to one line).
    let shown = &page[page.find("id=\"failure-reason\"").unwrap()..];
    let first_words: String = reason.chars().take(30).collect();
    assert!(
        shown.contains(&first_words),
        "{first_words:?} not in the failure block"
    );
    let png = std::fs::read(run.run_dir.join("report.png")).unwrap();
    let (_, height) = png_size(&png);
    assert!(boxes["row-M04"].1 <= height, "{boxes:?} in {height}px");
    println!("report.png: {}", run.run_dir.join("report.png").display());
}

/// `$CHROMIUM`, else the first of the names the suite tries on `PATH`
/// (`suite/src/report/screenshot.rs`).
fn find_browser() -> Option<PathBuf> {
    let names = ["chromium-headless-shell", "chromium", "chromium-browser"];
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            names.iter().find_map(|n| {
                std::env::split_paths(&path)
                    .map(|d| d.join(n))
                    .find(|p| p.is_file())
            })
        })
}

/// The DOM after parsing, as the browser serializes it; `timeout` bounds a hung browser.
fn dump_dom(browser: &Path, html: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", html.canonicalize().unwrap().display()))
        .output()
        .expect("running the browser");
    assert!(
        out.status.success(),
        "{} --dump-dom: {}\n{}",
        browser.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
