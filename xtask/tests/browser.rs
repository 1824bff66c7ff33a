//! report.html of a real run (the local stack: real backend, real worker processes) in a
//! real browser: Debian's `chromium-headless-shell` parses it, the DOM it dumps has the 13
//! scenario rows with their verdicts, the app.py diff and one timeline bar per scenario that
//! ran; the run folder and the zip hold `report.png`. Without a browser: "skipped: no
//! chromium".

mod support;

#[allow(dead_code)]
#[path = "../src/report/screenshot.rs"]
mod screenshot;

use support::local_suite;

const IDS: [&str; 13] = [
    "L01", "L02", "L03", "L04", "L05", "L06", "L07", "L08", "ROLLBACK", "M01", "M02", "M03", "M04",
];

#[test]
fn report_html_of_a_real_run_in_a_real_browser() {
    let Some(browser) = screenshot::find_browser() else {
        println!("skipped: no chromium (install chromium-headless-shell or set CHROMIUM)");
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let run = local_suite(&[], out.path());
    run.assert_code(0);
    let html = run.run_dir.join("report.html");
    let dom = screenshot::dump_dom(&browser, &html).expect("dumping the DOM");

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
    assert!(!dom.contains("<script"));

    // The pipeline's screenshot, in the folder and in the zip.
    let png = std::fs::read(run.run_dir.join("report.png")).expect("report.png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000);
    let entries = run.zip_entries();
    for f in ["report.html", "report.png", "run.json"] {
        assert!(entries.iter().any(|e| e.ends_with(&format!("/{f}"))), "{f}");
    }
    println!(
        "report.html: {} bytes; report.png: {} bytes",
        std::fs::metadata(&html).unwrap().len(),
        png.len()
    );
}
