//! The timeline: the stack's phases as labelled bands (none for an external target), a
//! legend entry for each kind of element drawn and for nothing else, no label cut off.

use super::*;
use crate::model::outcome::{Phase, PhaseMark};

/// The advance of one character of the timeline's 11-unit monospace text (0.6 em).
const CHAR_W: f64 = 6.6;

fn mark(phase: Phase, at_ms: u64, took_ms: u64) -> PhaseMark {
    PhaseMark {
        phase,
        at: Duration::from_millis(at_ms),
        took: Duration::from_millis(took_ms),
    }
}

/// `report` as a stack run: its scenarios 10 s later, after a build and an up, the
/// rollback's up inside ROLLBACK (5.4–6.0 s before the shift), and the down at the end.
fn with_stack(mut report: RunReport) -> RunReport {
    let later = Duration::from_secs(10);
    for o in &mut report.outcomes {
        o.started_at += later;
        for j in &mut o.jobs {
            j.submitted_at += later;
            j.settled_at = j.settled_at.map(|s| s + later);
        }
    }
    report.phases = vec![
        mark(Phase::Build, 0, 9_500),
        mark(Phase::Up, 9_500, 300),
        mark(Phase::Up, 15_500, 50),
        mark(Phase::Down, 16_400, 200),
    ];
    report
}

fn svg(html: &str) -> &str {
    &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()]
}

/// The value of `name` in the tag that starts `tag`.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let tag = &tag[..tag.find('>')?];
    let from = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[from..from + tag[from..].find('"')?])
}

/// Every SVG text: where it is anchored, how, and what it says (unescaped).
fn texts(svg: &str) -> Vec<(f64, String, String)> {
    svg.split("<text")
        .skip(1)
        .map(|t| {
            let x: f64 = attr(t, "x").unwrap().parse().unwrap();
            let anchor = attr(t, "text-anchor").unwrap_or("start").to_owned();
            let body = &t[t.find('>').unwrap() + 1..];
            let body = body[..body.find('<').unwrap()]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
            (x, anchor, body)
        })
        .collect()
}

/// Every text of the timeline lies inside its picture (the viewBox's width).
fn assert_no_label_cut(html: &str) {
    let svg = svg(html);
    let view = attr(svg, "viewBox").unwrap();
    let width: f64 = view.split(' ').nth(2).unwrap().parse().unwrap();
    for (x, anchor, text) in texts(svg) {
        let w = text.chars().count() as f64 * CHAR_W;
        let left = match anchor.as_str() {
            "end" => x - w,
            "middle" => x - w / 2.0,
            _ => x,
        };
        assert!(
            left >= 0.0 && left + w <= width,
            "{text:?} spans {left:.1}..{:.1}, outside 0..{width}",
            left + w
        );
    }
}

fn legend_keys(html: &str) -> Vec<String> {
    let legend = &html[html.find("id=\"legend\"").unwrap()..];
    let legend = &legend[..legend.find("</p>").unwrap()];
    legend
        .split("data-key=\"")
        .skip(1)
        .map(|k| k[..k.find('"').unwrap()].to_owned())
        .collect()
}

/// The classes the timeline draws with (not its frame, grid or in-band text).
fn drawn_classes(html: &str) -> Vec<String> {
    svg(html)
        .split(" class=\"")
        .skip(1)
        .map(|c| c[..c.find('"').unwrap()].to_owned())
        .filter(|c| !matches!(c.as_str(), "timeline" | "grid" | "inband"))
        .collect()
}

/// Each legend entry names a class something is drawn with, and each thing drawn has one.
fn assert_legend_matches_drawing(html: &str) {
    let keys = legend_keys(html);
    let drawn = drawn_classes(html);
    for k in &keys {
        assert!(
            drawn.iter().any(|c| c.starts_with(k.as_str())),
            "legend {k:?} drawn: {drawn:?}"
        );
    }
    for c in &drawn {
        assert!(
            keys.iter().any(|k| c.starts_with(k.as_str())),
            "{c:?} drawn, legend {keys:?}"
        );
    }
}

#[test]
fn a_stack_run_shows_its_phases_as_labelled_bands() {
    let dir = tempfile::tempdir().unwrap();
    let html = render(&with_stack(sample(dir.path())), &redactor());
    let svg = svg(&html);
    let labels: Vec<String> = texts(svg).into_iter().map(|(_, _, t)| t).collect();
    for label in [
        "stack",
        "build 9.5s",
        "up 300ms",
        "rollback up 50ms",
        "down 200ms",
    ] {
        assert!(
            labels.iter().any(|l| l == label),
            "{label:?} not in {labels:?}"
        );
    }
    assert_eq!(svg.matches("<rect class=\"phase build\"").count(), 1);
    assert_eq!(svg.matches("<rect class=\"phase up\"").count(), 2);
    assert_eq!(svg.matches("<rect class=\"phase down\"").count(), 1);
    // A break mark on each side of the scenarios' scale, and the tooltip says why.
    assert_eq!(svg.matches("<g class=\"break\"").count(), 2);
    assert!(svg.contains("compressed: past the break mark the timeline is not to the scenarios"));
    let keys = legend_keys(&html);
    assert!(
        keys.contains(&"phase".into()) && keys.contains(&"break".into()),
        "{keys:?}"
    );
    assert!(html.contains("stack phase (build, up, rollback up, down)"));
    assert!(html
        .contains("before it, compressed: build 9.5s, up 300ms; after it, compressed: down 200ms"));
    assert_legend_matches_drawing(&html);
    assert_no_label_cut(&html);
    // The scenarios keep their bars, the rollback and the gate their marks.
    assert_eq!(svg.matches("<rect class=\"bar ").count(), 6);
    assert!(svg.contains("id=\"rollback-mark\"") && svg.contains("id=\"gate-mark\""));
}

#[test]
fn an_external_run_has_no_stack_row_and_no_legend_entry_for_one() {
    let dir = tempfile::tempdir().unwrap();
    let report = sample(dir.path());
    assert!(report.phases.is_empty());
    let html = render(&report, &redactor());
    let svg = svg(&html);
    assert!(
        !svg.contains("class=\"phase") && !svg.contains("class=\"break\""),
        "{svg}"
    );
    assert!(!texts(svg).iter().any(|(_, _, t)| t == "stack"));
    let keys = legend_keys(&html);
    assert_eq!(
        keys,
        ["bar pass", "bar fail", "job", "settle", "gate", "rollback"],
        "{keys:?}"
    );
    assert!(!html.contains("compressed"));
    assert_legend_matches_drawing(&html);
    assert_no_label_cut(&html);
}

#[test]
fn long_labels_and_tiny_durations_are_never_cut() {
    let dir = tempfile::tempdir().unwrap();
    let long = "A-VERY-LONG-SCENARIO-IDENTIFIER";
    let mut first = outcome(long, Suite::Live, Verdict::Pass, 1_300_000, 0);
    first.duration = Duration::from_micros(1);
    let mut last = outcome("ROLLBACK", Suite::Rollback, Verdict::Error, 1_300_005, 1);
    last.reason = "no answer".into();
    let report = RunReport {
        outcomes: vec![first, last],
        run_dir: dir.path().to_path_buf(),
        phases: vec![
            mark(Phase::Build, 0, 1_234_000),
            mark(Phase::Up, 1_234_000, 0),
            mark(Phase::Up, 1_300_005, 1),
            mark(Phase::Down, 1_300_006, 0),
        ],
        ..RunReport::for_tests()
    };
    let html = render(&report, &redactor());
    let svg = svg(&html);
    let labels: Vec<String> = texts(svg).into_iter().map(|(_, _, t)| t).collect();
    for label in ["build 20m34s", "up 0ms", "rollback up 1ms", "down 0ms"] {
        assert!(
            labels.iter().any(|l| l == label),
            "{label:?} not in {labels:?}"
        );
    }
    // The id is cut to the label column, whole in its title.
    assert!(labels
        .iter()
        .any(|l| l.starts_with("A-VERY-LON") && l.ends_with('…')));
    assert!(svg.contains(&format!("<title>{long}</title>")));
    // The gate and the rollback at the right end: their labels turn left.
    assert!(labels.contains(&"gate: ROLLBACK stopped the ladder".into()));
    assert_no_label_cut(&html);
    assert_legend_matches_drawing(&html);
    let keys = legend_keys(&html);
    assert!(
        keys.contains(&"bar error".into()) && !keys.contains(&"job".into()),
        "{keys:?}"
    );
}
