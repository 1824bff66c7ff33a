//! The browser started with the run: its screenshot, its fallback to the one-shot call when
//! it fails, and its end when dropped. The tests that need a real browser say "skipped"
//! without one.

use super::*;
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
fn the_browser_started_with_the_run_takes_a_png_of_the_window() {
    let Some(browser) = find_browser() else {
        return println!("skipped: no chromium");
    };
    let dir = run_dir();
    let png = dir.path().join(PNG);
    let warm = Warm::launch(&browser).unwrap();
    let red = "<!doctype html><body style=\"margin:0;background:#ff0000\"><p>report</p></body>";
    warm.capture(red, &png, (640, 480)).unwrap();
    let shot = std::fs::read(&png).unwrap();
    assert_eq!(png_size(&shot), (640, 480));
    // The document given is the one rendered, not the page opened at the start.
    assert_eq!(top_left_rgb(&shot), [255, 0, 0]);

    // Through best_effort: the window of two rows, one open.
    let line = best_effort(dir.path(), Some(Warm::launch(&browser).unwrap()));
    assert_eq!(line, format!("report.png: {}", png.display()));
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), window(2, 1));
}

#[test]
fn a_browser_that_dies_at_once_is_named_and_nothing_hangs() {
    // `true` exits at once without reading its pipe or writing a screenshot.
    let browser = PathBuf::from("/bin/true");
    let dir = run_dir();
    let line = best_effort(dir.path(), Some(Warm::launch(&browser).unwrap()));
    assert!(
        line.starts_with("report.png: not written (/bin/true exited without writing"),
        "{line}"
    );
    assert!(
        line.contains("the browser started with the run failed before: opening a page")
            && line.contains("closed its DevTools pipe"),
        "{line}"
    );
    assert!(!dir.path().join(PNG).exists());
}

#[test]
fn when_the_browser_started_with_the_run_dies_a_one_shot_call_takes_the_png() {
    let Some(real) = find_browser() else {
        return println!("skipped: no chromium");
    };
    let dir = run_dir();
    let body = format!(
        "case \"$*\" in *--remote-debugging-pipe*) exit 1;; esac\nexec \"{}\" \"$@\"",
        real.display()
    );
    let browser = script(dir.path(), "dies-warm.sh", &body);
    let line = best_effort(dir.path(), Some(Warm::launch(&browser).unwrap()));
    let png = dir.path().join(PNG);
    assert!(
        line.starts_with(&format!(
            "report.png: {} (taken by a one-shot browser",
            png.display()
        )),
        "{line}"
    );
    assert!(line.contains("closed its DevTools pipe"), "{line}");
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), window(2, 1));
}

#[test]
fn a_one_shot_browser_that_crashes_after_a_whole_png_leaves_it_and_a_cut_one_is_removed() {
    let dir = run_dir();
    let html = dir.path().join("report.html");
    let png = dir.path().join(PNG);
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

#[test]
fn a_dropped_browser_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let body = format!("echo $$ > \"{}\"\nexec sleep 600", pid_file.display());
    let warm = Warm::launch(&script(dir.path(), "sleeps.sh", &body)).unwrap();
    let pid = loop {
        match std::fs::read_to_string(&pid_file) {
            Ok(pid) if pid.ends_with('\n') => break pid.trim().parse::<i32>().unwrap(),
            _ => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    };
    drop(warm);
    // SAFETY: signal 0 only asks whether the (reaped) process still exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    assert!(!alive, "the browser {pid} outlived its Warm");
}
