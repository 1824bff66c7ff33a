//! report.png: the page measured, then shot at that height; what a browser that fails leaves. The tests
//! that need a real browser say "skipped" without one.

use super::*;
use crate::evidence::files;
use codex_test_support::process::script;

/// A small page of the report's shape: two rows, one failed.
const PAGE: &str = "<!doctype html><body><details class=\"row\" data-verdict=\"PASS\">a</details>\
                    <details class=\"row\" data-verdict=\"FAIL\">b</details></body>";

/// A run folder with [`PAGE`] as its report.html.
fn run_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.html"), PAGE).unwrap();
    dir
}

/// The width and height in a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(PNG_SIGNATURE), "not a PNG");
    let word = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

/// The colour of a PNG's top-left pixel: the first bytes after the first row's filter byte
/// in its inflated `IDAT` data (every PNG filter leaves that pixel as it is).
fn top_left_rgb(png: &[u8]) -> [u8; 3] {
    use std::io::Read;
    let mut idat = Vec::new();
    let mut at = 8;
    while at + 8 <= png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        if &png[at + 4..at + 8] == b"IDAT" {
            idat.extend_from_slice(&png[at + 8..at + 8 + len]);
        }
        at += 12 + len;
    }
    let mut first = [0u8; 4];
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_exact(&mut first)
        .unwrap();
    [first[1], first[2], first[3]]
}

#[test]
fn report_png_is_the_page_at_its_measured_height_and_the_first_screens_width() {
    let Some(browser) = find_browser() else {
        return println!("skipped: no chromium");
    };
    let dir = run_dir();
    let png = dir.path().join(files::REPORT_PNG);
    let red = dir.path().join("red.html");
    std::fs::write(
        &red,
        "<!doctype html><body style=\"margin:0;background:#ff0000\"><p>report</p></body>",
    )
    .unwrap();
    assert!(screenshot(&browser, &red, &png, (640, 480)).is_ok());
    let shot = std::fs::read(&png).unwrap();
    assert_eq!(png_size(&shot), (640, 480));
    assert_eq!(top_left_rgb(&shot), [255, 0, 0]);

    // Through best_effort: the page's whole height as the browser measures it (this short
    // page: the first screen's 800 pixels), at the first screen's width.
    let line = best_effort(dir.path());
    assert!(
        line.starts_with(&format!("report.png: {}", png.display())),
        "{line}"
    );
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (WIDTH, 800));
    let tall =
        "<!doctype html><body style=\"margin:0\"><div style=\"height:2345px\">x</div></body>";
    std::fs::write(dir.path().join(files::REPORT_HTML), tall).unwrap();
    let measured = measured_height(&browser, &dir.path().join(files::REPORT_HTML));
    assert_eq!(measured, Some(2345));
    best_effort(dir.path());
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (WIDTH, 2345));
}

#[test]
fn a_browser_that_exits_without_a_png_is_named_and_nothing_is_left() {
    let dir = run_dir();
    let png = dir.path().join(files::REPORT_PNG);
    // `true` exits at once without writing a screenshot.
    let e = screenshot(
        Path::new("/bin/true"),
        &dir.path().join("report.html"),
        &png,
        (640, 480),
    )
    .unwrap_err();
    assert!(
        format!("{e:#}").starts_with("/bin/true exited without writing"),
        "{e:#}"
    );
    assert!(!png.exists());
}

#[test]
fn a_one_shot_browser_that_crashes_after_a_whole_png_leaves_it_and_a_cut_one_is_removed() {
    let dir = run_dir();
    let html = dir.path().join("report.html");
    let png = dir.path().join(files::REPORT_PNG);
    // Writes `bytes` to the --screenshot file, then dies of SIGTRAP, as Chromium did.
    let crashing = |name: &str, bytes: &str| {
        let body = format!(
            "for a in \"$@\"; do case \"$a\" in --screenshot=*) out=\"${{a#--screenshot=}}\";; \
             esac; done\nprintf '{bytes}' > \"$out\"\nkill -TRAP $$"
        );
        script(dir.path(), name, &body)
    };
    let whole = crashing(
        "whole.sh",
        "\\211PNG\\r\\n\\032\\n\\000\\000\\000\\000IEND\\256B`\\202",
    );
    let failed = screenshot(&whole, &html, &png, (640, 480)).unwrap();
    let failed = format!("{:#}", failed.expect("the crash is named"));
    assert!(failed.contains("SIGTRAP"), "{failed}");
    assert!(png.is_file());

    let cut = crashing("cut.sh", "\\211PNG\\r\\n\\032\\n");
    let e = format!(
        "{:#}",
        screenshot(&cut, &html, &png, (640, 480)).unwrap_err()
    );
    assert!(e.contains("SIGTRAP"), "{e}");
    assert!(!png.exists(), "a cut PNG is left");
}
