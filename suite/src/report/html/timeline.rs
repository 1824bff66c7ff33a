//! The page's timeline: a row for the stack's phases (build and up before the first scenario
//! and down after the last as compressed bands past a break mark, the rollback's up in
//! place), one bar per scenario that ran along wall time, ticks for each job's submit and
//! settle, the rollback, and the gate where the ladder stopped; then a legend of what is
//! drawn and nothing else.

use super::Page;
use crate::model::outcome::{ScenarioOutcome, Suite, Verdict};
use crate::report::text::duration;
use layout::{label_at, layout, text_width, Layout, Side, CHAR_W, LEFT, WIDTH};
use maud::{html, Markup};
use std::time::Duration;

const ROW: f64 = 22.0;
const TOP: f64 = 24.0;
/// A marker's label line under the rows.
const LINE: f64 = 14.0;

/// A vertical line across the scenarios' rows with its label, in its colour, on a line of
/// its own under them.
struct Marker {
    id: &'static str,
    class: &'static str,
    x: f64,
    label: String,
    side: Side,
    /// Its legend entry.
    meaning: &'static str,
}

impl Page<'_> {
    pub(super) fn timeline(&self) -> Markup {
        let r = self.report;
        let ran: Vec<&ScenarioOutcome> = r
            .outcomes
            .iter()
            .filter(|o| o.verdict != Verdict::Skip)
            .collect();
        let lay = layout(&r.phases, span(&ran));
        let sc = &lay.scale;
        let first = TOP + if r.phases.is_empty() { 0.0 } else { ROW };
        let rows_end = first + ROW * ran.len() as f64;
        let markers = self.markers(&lay, &ran);
        let height = rows_end + 6.0 + LINE * markers.len() as f64 + 4.0;
        html! {
            svg.timeline #timeline xmlns="http://www.w3.org/2000/svg"
                viewBox=(format!("0 0 {WIDTH} {height:.0}")) role="img"
                aria-label="timeline: the stack's phases, then one bar per scenario along wall time" {
                @for (x, label) in tick_labels(&lay) {
                    line.grid x1=(f(x)) x2=(f(x)) y1=(f(TOP - 6.0)) y2=(f(rows_end)) {}
                    @if let Some(label) = label {
                        text x=(f(x + 2.0)) y="12" { (label) }
                    }
                }
                @if !r.phases.is_empty() { (stack::row(&lay, TOP, rows_end)) }
                @for (i, o) in ran.iter().enumerate() {
                    (self.bar(sc, first + ROW * i as f64, o))
                }
                // Across the scenarios' rows only: no line crosses the stack row's labels
                // or another marker's label under the rows.
                @for (i, m) in markers.iter().enumerate() {
                    @let y = rows_end + LINE * (i + 1) as f64;
                    @let (lx, end) = label_at(m.x, 0.0, &m.label, (2.0, WIDTH - 2.0), m.side);
                    line id=(m.id) class=(m.class) x1=(f(m.x)) x2=(f(m.x)) y1=(f(first - 2.0)) y2=(f(rows_end + 3.0)) {}
                    text class=(m.class) x=(f(lx)) y=(f(y)) text-anchor=[end.then_some("end")] { (m.label) }
                }
            }
            (self.legend(&lay, &ran, &markers))
        }
    }

    /// The gate (its label before it) and the rollback (its label after it), in the order
    /// drawn: the dashed rollback stays visible over the gate when they meet.
    fn markers(&self, lay: &Layout, ran: &[&ScenarioOutcome]) -> Vec<Marker> {
        let rollback = ran.iter().find(|o| o.suite == Suite::Rollback);
        let gate = self.report.first_failure();
        let rollback = rollback.map(|o| Marker {
            id: "rollback-mark",
            class: "rollback",
            x: lay.scale.x(o.started_at),
            label: "rollback".into(),
            side: Side::After,
            meaning: "rollback began",
        });
        let gate = gate.map(|g| Marker {
            id: "gate-mark",
            class: "gate",
            x: lay.scale.x(g.started_at + g.duration),
            label: format!("gate: {} stopped the ladder", self.text(&g.id)),
            side: Side::Before,
            meaning: "gate: the ladder stopped here",
        });
        gate.into_iter().chain(rollback).collect()
    }

    /// One scenario's row at height `y`: its label, its bar, and its jobs' ticks.
    fn bar(&self, sc: &layout::Scale, y: f64, o: &ScenarioOutcome) -> Markup {
        let id = self.text(&o.id);
        html! {
            text x="4" y=(f(y + 14.0)) { (fit(&id, LEFT - 8.0)) title { (id) } }
            rect class=(format!("bar {}", o.verdict.as_str().to_lowercase()))
                data-id=(id)
                x=(f(sc.x(o.started_at))) y=(f(y + 3.0)) height=(f(ROW - 8.0))
                width=(f((sc.x(o.started_at + o.duration) - sc.x(o.started_at)).max(1.5))) {
                title { (id) " " (o.verdict.as_str()) " " (duration(o.duration)) }
            }
            @for j in &o.jobs {
                line.job x1=(f(sc.x(j.submitted_at))) x2=(f(sc.x(j.submitted_at)))
                    y1=(f(y + 1.0)) y2=(f(y + ROW - 3.0)) {
                    title { "job " (self.text(j.job_id.as_deref().unwrap_or("?"))) " submitted" }
                }
                @if let Some(s) = j.settled_at {
                    line.settle x1=(f(sc.x(s))) x2=(f(sc.x(s))) y1=(f(y + 1.0)) y2=(f(y + ROW - 3.0)) {
                        title { "job " (self.text(j.job_id.as_deref().unwrap_or("?"))) " settled (final poll)" }
                    }
                }
            }
        }
    }

    /// An entry per kind of thing drawn, each with a swatch of the class it is drawn with,
    /// then how to read the time axis.
    fn legend(&self, lay: &Layout, ran: &[&ScenarioOutcome], markers: &[Marker]) -> Markup {
        let entries = legend::entries(&legend::Drawn::of(lay, ran, markers));
        html! {
            p.legend #legend {
                @for (class, text) in &entries {
                    span data-key=(class) { i class=(format!("sw {class}")) {} (text) }
                }
            }
            p.legend #timeline-axis { (legend::axis(lay)) }
        }
    }
}

/// The scenarios' first start and last end (a job may settle after its scenario ended).
fn span(ran: &[&ScenarioOutcome]) -> Option<(Duration, Duration)> {
    let start = ran.iter().map(|o| o.started_at).min()?;
    let end = ran
        .iter()
        .map(|o| o.started_at + o.duration)
        .chain(
            ran.iter()
                .flat_map(|o| o.jobs.iter().filter_map(|j| j.settled_at)),
        )
        .max()?;
    Some((start, end.max(start)))
}

/// Each grid line's x and its label, left out where it would overlap the one before it or
/// run past the scale's right end (into the break mark or off the picture).
fn tick_labels(lay: &Layout) -> Vec<(f64, Option<String>)> {
    let limit = if lay.after.is_empty() {
        WIDTH - 2.0
    } else {
        lay.scale.x1 + 4.0
    };
    let mut free_from = 0.0;
    layout::ticks(&lay.scale)
        .into_iter()
        .map(|(t, label)| {
            let x = lay.scale.x(t);
            let end = x + 2.0 + text_width(&label);
            let shown = (x >= free_from && end <= limit).then(|| {
                free_from = end + 6.0;
                label
            });
            (x, shown)
        })
        .collect()
}

/// `text` cut with an ellipsis to fit `width` (the full text is in the element's title).
fn fit(text: &str, width: f64) -> String {
    let max = (width / CHAR_W).floor().max(2.0) as usize;
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// SVG coordinates with one decimal.
fn f(v: f64) -> String {
    format!("{v:.1}")
}

mod layout;
mod legend;
mod stack;
