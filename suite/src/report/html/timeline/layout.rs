//! The timeline's geometry, pure: where the scenarios' scale lies, where the stack's phases
//! go (compressed bands at the edges, or in place on the scale), where a label fits without
//! being cut off, and the grid's ticks.

use crate::model::outcome::{Phase, PhaseMark};
use std::time::Duration;

/// The SVG's width in user units.
pub(super) const WIDTH: f64 = 1000.0;
/// The label column: scenario ids and `stack`.
pub(super) const LEFT: f64 = 90.0;
/// Room right of the scale when no band follows it.
const RIGHT_MARGIN: f64 = 20.0;
/// Room at the right edge when bands follow the scale.
const EDGE: f64 = 8.0;
/// The gap that holds a break mark between a compressed region and the scale.
pub(super) const BREAK: f64 = 24.0;
/// The advance of one character of the SVG's 11-unit monospace text, with a margin.
pub(super) const CHAR_W: f64 = 6.8;
/// Room on each side of a band's label inside it.
const PAD: f64 = 5.0;
/// Space between two adjacent compressed bands.
const GAP: f64 = 2.0;
/// The shortest span the scale shows, so that a few instant scenarios keep a readable grid.
const MIN_SPAN: Duration = Duration::from_millis(10);

/// The width of `text` in the SVG's monospace font.
pub(super) fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_W
}

/// Where a phase is drawn, by when it ran against the scenarios' span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// Ended before the first scenario started (build, up): a compressed band on the left.
    Before,
    /// Ran while the scenarios ran (the rollback's up): in place, on the scale.
    Among,
    /// Started after the last scenario ended (down): a compressed band on the right.
    After,
}

/// Where `p` goes; with no scenario that ran (`span` is `None`) only down goes right.
pub(super) fn place(p: &PhaseMark, span: Option<(Duration, Duration)>) -> Place {
    match span {
        None if p.phase == Phase::Down => Place::After,
        None => Place::Before,
        Some((start, _)) if p.end() <= start => Place::Before,
        Some((_, end)) if p.at >= end => Place::After,
        Some(_) => Place::Among,
    }
}

/// A duration in a label: `25ms`, `6.6s`, `2m03s`.
pub(super) fn short(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{}ms", d.as_millis())
    } else if s < 60.0 {
        format!("{s:.1}s")
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

/// A phase's label: its name (the up among the scenarios is the rollback's restart) and how
/// long it took.
pub(super) fn phase_label(p: &PhaseMark, at: Place) -> String {
    let name = match (p.phase, at) {
        (Phase::Up, Place::Among) => "rollback up",
        (phase, _) => phase.as_str(),
    };
    format!("{name} {}", short(p.took))
}

/// A compressed band: a phase drawn outside the scale, as wide as its label needs.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Band {
    pub mark: PhaseMark,
    pub label: String,
    pub x: f64,
    pub width: f64,
}

/// Wall time → x on the scenarios' scale, from `start` at `x0` to `end` at `x1`; times
/// outside are drawn at its edges.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Scale {
    pub start: Duration,
    pub end: Duration,
    pub x0: f64,
    pub x1: f64,
}

impl Scale {
    pub(super) fn x(&self, t: Duration) -> f64 {
        let span = self.end.saturating_sub(self.start).as_secs_f64().max(1e-3);
        let at = t.clamp(self.start, self.end).saturating_sub(self.start);
        self.x0 + (self.x1 - self.x0) * at.as_secs_f64() / span
    }
}

/// The horizontal plan of the timeline: the compressed bands left and right, the break
/// marks beside them, the scale between, and the phases drawn on it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Layout {
    pub before: Vec<Band>,
    pub after: Vec<Band>,
    pub among: Vec<PhaseMark>,
    /// The x of each break mark (the middle of its gap).
    pub breaks: Vec<f64>,
    pub scale: Scale,
}

/// Lays out `phases` around the scenarios' `span` (first start, last end; `None` when no
/// scenario ran): each compressed band as wide as its label, the scale in what remains.
pub(super) fn layout(phases: &[PhaseMark], span: Option<(Duration, Duration)>) -> Layout {
    let pick = |want: Place| -> Vec<PhaseMark> {
        let mut v: Vec<PhaseMark> = phases
            .iter()
            .filter(|p| place(p, span) == want)
            .copied()
            .collect();
        v.sort_by_key(|p| p.at);
        v
    };
    let (before, among, after) = (pick(Place::Before), pick(Place::Among), pick(Place::After));
    let mut breaks = Vec::new();
    let before = bands(&before, Place::Before, LEFT);
    let x0 = match before.last() {
        Some(b) => {
            breaks.push(b.x + b.width + BREAK / 2.0);
            b.x + b.width + BREAK
        }
        None => LEFT,
    };
    let after_width: f64 = after
        .iter()
        .map(|p| band_width(p, Place::After) + GAP)
        .sum();
    let x1 = if after.is_empty() {
        WIDTH - RIGHT_MARGIN
    } else {
        WIDTH - EDGE - after_width - BREAK
    };
    let after = bands(&after, Place::After, x1 + BREAK);
    if !after.is_empty() {
        breaks.push(x1 + BREAK / 2.0);
    }
    let (start, end) = span.unwrap_or((Duration::ZERO, Duration::ZERO));
    let scale = Scale {
        start,
        end: end.max(start + MIN_SPAN),
        x0,
        x1,
    };
    Layout {
        before,
        after,
        among,
        breaks,
        scale,
    }
}

fn band_width(p: &PhaseMark, at: Place) -> f64 {
    text_width(&phase_label(p, at)) + 2.0 * PAD
}

/// `marks` side by side from `x`, each as wide as its label.
fn bands(marks: &[PhaseMark], at: Place, mut x: f64) -> Vec<Band> {
    marks
        .iter()
        .map(|p| {
            let width = band_width(p, at);
            let band = Band {
                mark: *p,
                label: phase_label(p, at),
                x,
                width,
            };
            x += width + GAP;
            band
        })
        .collect()
}

/// Which side of its mark a label goes to when it fits there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    /// Right of the mark, start-anchored.
    After,
    /// Left of the mark, end-anchored.
    Before,
}

/// Where a label of `text` beside the mark from `x` to `x + width` goes, inside `lo..hi`:
/// on the side it prefers where it fits, else on the other, else pushed inside the bounds
/// from the right. Returns the text's x and whether it is end-anchored.
pub(super) fn label_at(
    x: f64,
    width: f64,
    text: &str,
    (lo, hi): (f64, f64),
    side: Side,
) -> (f64, bool) {
    let w = text_width(text);
    let after = (x + width + 3.0 + w <= hi).then_some((x + width + 3.0, false));
    let before = (x - 3.0 - w >= lo).then_some((x - 3.0, true));
    let fitting = match side {
        Side::After => after.or(before),
        Side::Before => before.or(after),
    };
    fitting.unwrap_or(((hi - w).max(lo), false))
}

/// The grid: round multiples of a step that gives 5–10 ticks inside the scale, each with
/// its label (from the start of the run, as many decimals as the step needs).
pub(super) fn ticks(scale: &Scale) -> Vec<(Duration, String)> {
    let span = scale.end.saturating_sub(scale.start).as_secs_f64();
    let steps = [
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0,
        60.0, 120.0, 300.0, 600.0,
    ];
    let step = steps
        .iter()
        .copied()
        .find(|s| *s >= span / 8.0)
        .unwrap_or((span / 8.0).ceil());
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let first = (scale.start.as_secs_f64() / step).ceil() as u64;
    (first..)
        .map(|i| i as f64 * step)
        .take_while(|t| *t <= scale.end.as_secs_f64() + 1e-9)
        .map(|t| (Duration::from_secs_f64(t), format!("{t:.decimals$}s")))
        .collect()
}

#[cfg(test)]
mod tests;
