//! The timeline's first row, the stack's phases: build and up before the first scenario
//! and down after the last as compressed bands, each labelled inside with its duration,
//! past a break mark (their own lengths are not to the scenarios' scale: a build can take
//! minutes where a scenario takes milliseconds); a phase among the scenarios (the
//! rollback's up) in place on the scale, labelled beside it.

use super::layout::{label_at, phase_label, Band, Layout, Place, Side};
use super::{f, ROW, TOP};
use crate::model::outcome::PhaseMark;
use maud::{html, Markup};

/// The row at height `y`; the break marks run down to `bottom`.
pub(super) fn row(lay: &Layout, y: f64, bottom: f64) -> Markup {
    html! {
        text x="4" y=(f(y + 14.0)) { "stack" }
        @for b in &lay.before { (band(b, y, "before the first scenario")) }
        @for b in &lay.after { (band(b, y, "after the last scenario")) }
        @for p in &lay.among { (in_place(lay, p, y)) }
        @for x in &lay.breaks { (break_mark(*x, y, bottom)) }
    }
}

/// A compressed band with its label inside; the title gives its times and says that its
/// length is not to scale.
fn band(b: &Band, y: f64, when: &str) -> Markup {
    let p = &b.mark;
    html! {
        rect class=(format!("phase {}", p.phase.as_str()))
            x=(f(b.x)) y=(f(y + 3.0)) width=(f(b.width)) height=(f(ROW - 8.0)) {
            title {
                (b.label) ": " (when) ", from " (at(p.at)) " to " (at(p.end()))
                " after the run began; compressed: past the break mark the timeline is \
                  not to the scenarios' scale"
            }
        }
        text.inband x=(f(b.x + b.width / 2.0)) y=(f(y + 14.0)) text-anchor="middle" { (b.label) }
    }
}

/// A phase among the scenarios, on their scale (at least 2 units wide to be seen), its
/// label beside it within the scale.
fn in_place(lay: &Layout, p: &PhaseMark, y: f64) -> Markup {
    let sc = &lay.scale;
    let x = sc.x(p.at);
    let width = (sc.x(p.end()) - x).max(2.0);
    let label = phase_label(p, Place::Among);
    let (lx, end) = label_at(x, width, &label, (sc.x0, sc.x1), Side::After);
    html! {
        rect class=(format!("phase {}", p.phase.as_str()))
            x=(f(x)) y=(f(y + 3.0)) width=(f(width)) height=(f(ROW - 8.0)) {
            title {
                (label) ": the stack restarted, from " (at(p.at)) " to " (at(p.end()))
                " after the run began, on the scenarios' scale"
            }
        }
        text x=(f(lx)) y=(f(y + 14.0)) text-anchor=[end.then_some("end")] { (label) }
    }
}

/// Two slanted strokes in the stack row and a dotted line down the rows at `x`.
fn break_mark(x: f64, y: f64, bottom: f64) -> Markup {
    let slash = |dx: f64| format!("M{} {} l6 -12", f(x - 5.0 + dx), f(y + 17.0));
    html! {
        g.break {
            title {
                "break: the timeline is not to scale across this mark; the bands beyond it \
                 are compressed to fit their labels"
            }
            line x1=(f(x)) x2=(f(x)) y1=(f(TOP - 6.0)) y2=(f(bottom)) {}
            path d=(format!("{} {}", slash(-2.0), slash(2.0))) {}
        }
    }
}

/// A time from the start of the run, in a title.
fn at(d: std::time::Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}
