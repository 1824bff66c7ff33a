use super::*;

fn mark(phase: Phase, at_ms: u64, took_ms: u64) -> PhaseMark {
    PhaseMark {
        phase,
        at: Duration::from_millis(at_ms),
        took: Duration::from_millis(took_ms),
    }
}

fn span(start_ms: u64, end_ms: u64) -> Option<(Duration, Duration)> {
    Some((
        Duration::from_millis(start_ms),
        Duration::from_millis(end_ms),
    ))
}

#[test]
fn a_phase_goes_before_among_or_after_the_scenarios_by_when_it_ran() {
    let cases = [
        (
            mark(Phase::Build, 0, 6000),
            span(6500, 12_000),
            Place::Before,
        ),
        (
            mark(Phase::Up, 6000, 500),
            span(6500, 12_000),
            Place::Before,
        ),
        (mark(Phase::Up, 6000, 501), span(6500, 12_000), Place::Among),
        (mark(Phase::Up, 9000, 40), span(6500, 12_000), Place::Among),
        (
            mark(Phase::Down, 12_000, 200),
            span(6500, 12_000),
            Place::After,
        ),
        (
            mark(Phase::Down, 11_999, 200),
            span(6500, 12_000),
            Place::Among,
        ),
        (mark(Phase::Build, 0, 10), None, Place::Before),
        (mark(Phase::Up, 10, 10), None, Place::Before),
        (mark(Phase::Down, 30, 10), None, Place::After),
    ];
    for (p, s, want) in cases {
        assert_eq!(place(&p, s), want, "{p:?} against {s:?}");
    }
}

#[test]
fn durations_in_labels_keep_their_precision() {
    let cases = [
        (Duration::ZERO, "0ms"),
        (Duration::from_micros(25_400), "25ms"),
        (Duration::from_millis(999), "999ms"),
        (Duration::from_millis(6_640), "6.6s"),
        (Duration::from_secs(59), "59.0s"),
        (Duration::from_secs(123), "2m03s"),
    ];
    for (d, want) in cases {
        assert_eq!(short(d), want);
    }
    let rollback = mark(Phase::Up, 9000, 53);
    assert_eq!(phase_label(&rollback, Place::Among), "rollback up 53ms");
    assert_eq!(phase_label(&rollback, Place::Before), "up 53ms");
}

/// Bands fit their labels, sit side by side within the picture, clear of the break marks
/// and the scale, which keeps most of the width.
fn assert_sane(lay: &Layout) {
    for b in lay.before.iter().chain(&lay.after) {
        assert!(b.width >= text_width(&b.label) + 2.0, "{b:?}");
        assert!(b.x >= LEFT && b.x + b.width <= WIDTH, "{b:?}");
    }
    for pair in lay.before.windows(2).chain(lay.after.windows(2)) {
        assert!(pair[0].x + pair[0].width < pair[1].x, "{pair:?}");
    }
    if let Some(b) = lay.before.last() {
        assert!(b.x + b.width + BREAK / 2.0 <= lay.scale.x0);
    }
    if let Some(b) = lay.after.first() {
        assert!(lay.scale.x1 + BREAK / 2.0 <= b.x);
    }
    let scale = lay.scale.x1 - lay.scale.x0;
    assert!(scale >= 0.6 * (WIDTH - LEFT), "scale {scale:.0} of {lay:?}");
}

#[test]
fn build_and_up_go_left_down_right_and_the_rollbacks_up_in_place() {
    let phases = [
        mark(Phase::Build, 0, 1_234_000),
        mark(Phase::Up, 1_234_000, 300),
        mark(Phase::Up, 1_240_000, 50),
        mark(Phase::Down, 1_250_000, 200),
    ];
    let lay = layout(&phases, span(1_235_000, 1_249_000));
    let labels = |bands: &[Band]| bands.iter().map(|b| b.label.clone()).collect::<Vec<_>>();
    assert_eq!(labels(&lay.before), ["build 20m34s", "up 300ms"]);
    assert_eq!(labels(&lay.after), ["down 200ms"]);
    assert_eq!(lay.among, [phases[2]]);
    assert_eq!(lay.breaks.len(), 2);
    assert_eq!(lay.before[0].x, LEFT);
    assert_sane(&lay);
    // The rollback's up is on the scale, in its place.
    let x = lay.scale.x(phases[2].at);
    assert!(lay.scale.x0 < x && x < lay.scale.x1);
}

#[test]
fn without_phases_the_scale_takes_the_whole_width() {
    let lay = layout(&[], span(6000, 9000));
    assert!(lay.before.is_empty() && lay.after.is_empty() && lay.among.is_empty());
    assert!(lay.breaks.is_empty());
    assert_eq!((lay.scale.x0, lay.scale.x1), (LEFT, WIDTH - RIGHT_MARGIN));
    assert_sane(&lay);
    // An interrupted run: build and up, no down.
    let lay = layout(
        &[mark(Phase::Build, 0, 10), mark(Phase::Up, 10, 20)],
        span(50, 60),
    );
    assert_eq!(
        (lay.before.len(), lay.after.len(), lay.breaks.len()),
        (2, 0, 1)
    );
    assert_sane(&lay);
}

#[test]
fn a_label_goes_where_it_fits_and_never_past_its_bounds() {
    let bounds = (100.0, 900.0);
    let w = text_width("rollback up 53ms");
    let cases = [
        // Room after: after it, as preferred.
        (500.0, 4.0, Side::After, (507.0, false)),
        // No room after: before it.
        (880.0, 4.0, Side::After, (877.0, true)),
        // Room before: before it, as preferred.
        (500.0, 0.0, Side::Before, (497.0, true)),
        // No room before: after it.
        (110.0, 0.0, Side::Before, (113.0, false)),
    ];
    for (x, width, side, want) in cases {
        assert_eq!(label_at(x, width, "rollback up 53ms", bounds, side), want);
    }
    // Room on neither side: inside the bounds, flush right.
    let (x, end) = label_at(150.0, 700.0, "rollback up 53ms", bounds, Side::After);
    assert!(!end && x >= 100.0 && x + w <= 900.0, "{x}");
}

#[test]
fn ticks_are_round_inside_the_scale_with_the_decimals_their_step_needs() {
    let scale = |start_ms, end_ms| Scale {
        start: Duration::from_millis(start_ms),
        end: Duration::from_millis(end_ms),
        x0: LEFT,
        x1: WIDTH,
    };
    let labels = |s: &Scale| ticks(s).into_iter().map(|(_, l)| l).collect::<Vec<_>>();
    assert_eq!(
        labels(&scale(201, 483)),
        ["0.25s", "0.30s", "0.35s", "0.40s", "0.45s"]
    );
    assert_eq!(labels(&scale(224, 5600)), ["1s", "2s", "3s", "4s", "5s"]);
    assert_eq!(
        labels(&scale(6689, 6700)),
        ["6.690s", "6.692s", "6.694s", "6.696s", "6.698s", "6.700s"]
    );
    for (start, end) in [(0, 100), (6700, 12_100), (1000, 700_000)] {
        let s = scale(start, end);
        let t = ticks(&s);
        assert!((3..=10).contains(&t.len()), "{start}..{end}: {t:?}");
        assert!(t.iter().all(|(d, _)| s.start <= *d && *d <= s.end));
    }
}
