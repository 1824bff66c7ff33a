//! The page's timeline: one bar per scenario that ran along wall time, ticks for each job's
//! submit and settle, the rollback, and the gate where the ladder stopped.

use super::{secs, Page};
use crate::outcome::{ScenarioOutcome, Suite, Verdict};
use maud::{html, Markup};
use std::time::Duration;

const LEFT: f64 = 90.0;
const WIDTH: f64 = 1000.0;
const ROW: f64 = 22.0;
const TOP: f64 = 24.0;

/// Wall time → SVG x, from the first scenario's start (the stack's build and start before
/// it would take the width) to `end`.
struct Scale {
    start: Duration,
    end: Duration,
}

impl Scale {
    fn x(&self, t: Duration) -> f64 {
        let plot = WIDTH - LEFT - 20.0;
        let span = self.end.saturating_sub(self.start).as_secs_f64().max(1e-3);
        LEFT + plot * t.saturating_sub(self.start).as_secs_f64() / span
    }
}

impl Page<'_> {
    pub(super) fn timeline(&self) -> Markup {
        let r = self.report;
        let ran: Vec<&ScenarioOutcome> = r
            .outcomes
            .iter()
            .filter(|o| o.verdict != Verdict::Skip)
            .collect();
        let end = ran
            .iter()
            .map(|o| o.started_at + o.duration)
            .chain(
                ran.iter()
                    .flat_map(|o| o.jobs.iter().filter_map(|j| j.settled_at)),
            )
            .max()
            .unwrap_or(Duration::ZERO)
            .max(Duration::from_millis(100));
        let start = ran
            .iter()
            .map(|o| o.started_at)
            .min()
            .unwrap_or(Duration::ZERO)
            .min(end);
        let sc = Scale { start, end };
        let height = TOP + ROW * ran.len() as f64 + 14.0;
        let step = tick_step(end.saturating_sub(start));
        let ticks: Vec<Duration> = (0..)
            .map(|i| start + step * i)
            .take_while(|t| *t <= end)
            .collect();
        let rollback = ran.iter().find(|o| o.suite == Suite::Rollback);
        let gate = r
            .outcomes
            .iter()
            .find(|o| matches!(o.verdict, Verdict::Fail | Verdict::Error));
        html! {
            svg.timeline #timeline xmlns="http://www.w3.org/2000/svg"
                viewBox=(format!("0 0 {WIDTH} {height:.0}")) role="img"
                aria-label="timeline: one bar per scenario along wall time" {
                @for t in &ticks {
                    line.grid x1=(f(sc.x(*t))) x2=(f(sc.x(*t))) y1=(f(TOP - 6.0)) y2=(f(height - 10.0)) {}
                    // The last label would be cut off at the right edge.
                    @if sc.x(*t) < WIDTH - 40.0 {
                        text x=(f(sc.x(*t) + 2.0)) y="12" { (secs(*t)) }
                    }
                }
                @for (i, o) in ran.iter().enumerate() {
                    (self.bar(&sc, TOP + ROW * i as f64, o))
                }
                @if let Some(o) = rollback {
                    line.rollback #rollback-mark x1=(f(sc.x(o.started_at))) x2=(f(sc.x(o.started_at)))
                        y1=(f(TOP - 6.0)) y2=(f(height - 4.0)) {}
                    text x=(f(sc.x(o.started_at) + 3.0)) y=(f(height - 4.0)) { "rollback" }
                }
                @if let Some(g) = gate {
                    @let gx = sc.x(g.started_at + g.duration);
                    line.gate #gate-mark x1=(f(gx)) x2=(f(gx)) y1=(f(TOP - 6.0)) y2=(f(height - 4.0)) {}
                    // Left of the line, at the bottom: the rollback's label is on its right.
                    text x=(f(gx - 3.0)) y=(f(height - 4.0)) text-anchor="end" {
                        "gate: " (self.text(&g.id)) " stopped the ladder"
                    }
                }
            }
            p.legend {
                span { "bars: scenarios that ran (green pass, red fail, amber error), from the first \
                        scenario's start (" (secs(start)) " after the run began)" }
                span { "blue tick: job submitted" }
                span { "violet tick: job settled" }
                @if rollback.is_some() { span { "dashed: rollback" } }
                @if gate.is_some() { span { "red line: gate" } }
            }
        }
    }

    /// One scenario's row at height `y`: its label, its bar, and its jobs' ticks.
    fn bar(&self, sc: &Scale, y: f64, o: &ScenarioOutcome) -> Markup {
        html! {
            text x="4" y=(f(y + 14.0)) { (self.text(&o.id)) }
            rect class=(format!("bar {}", o.verdict.as_str().to_lowercase()))
                data-id=(self.text(&o.id))
                x=(f(sc.x(o.started_at))) y=(f(y + 3.0)) height=(f(ROW - 8.0))
                width=(f((sc.x(o.started_at + o.duration) - sc.x(o.started_at)).max(1.5))) {
                title { (self.text(&o.id)) " " (o.verdict.as_str()) " " (secs(o.duration)) }
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
}

/// SVG coordinates with one decimal.
fn f(v: f64) -> String {
    format!("{v:.1}")
}

/// A grid step that gives 5–10 ticks.
fn tick_step(end: Duration) -> Duration {
    let target = end.as_secs_f64() / 8.0;
    let steps = [
        0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0,
    ];
    let s = steps
        .iter()
        .copied()
        .find(|s| *s >= target)
        .unwrap_or(target.ceil());
    Duration::from_secs_f64(s)
}
