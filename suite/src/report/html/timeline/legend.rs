//! The timeline's legend: one entry per kind of element drawn, keyed by the class it is
//! drawn with (its swatch has the same class), and no entry for anything not drawn; then
//! how to read the time axis.

use super::layout::{Band, Layout};
use super::Marker;
use crate::model::outcome::{ScenarioOutcome, Verdict};

/// What the timeline drew, kind by kind.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Drawn {
    /// The verdicts of the bars, each once, in the order pass, fail, error.
    pub verdicts: Vec<Verdict>,
    pub jobs: bool,
    pub settles: bool,
    /// The phases' names as labelled (`build`, `up`, `rollback up`, `down`), each once.
    pub phases: Vec<&'static str>,
    pub breaks: bool,
    /// The markers drawn: their class (`rollback`, `gate`) and meaning.
    pub markers: Vec<(&'static str, &'static str)>,
}

impl Drawn {
    pub(super) fn of(lay: &Layout, ran: &[&ScenarioOutcome], markers: &[Marker]) -> Drawn {
        let verdicts = [Verdict::Pass, Verdict::Fail, Verdict::Error]
            .into_iter()
            .filter(|v| ran.iter().any(|o| o.verdict == *v))
            .collect();
        let jobs = ran.iter().flat_map(|o| &o.jobs);
        let name = |b: &Band| b.mark.phase.as_str();
        let before = lay.before.iter().map(name);
        let among = lay.among.iter().map(|_| "rollback up");
        let mut phases: Vec<&'static str> = Vec::new();
        for name in before.chain(among).chain(lay.after.iter().map(name)) {
            if !phases.contains(&name) {
                phases.push(name);
            }
        }
        Drawn {
            verdicts,
            jobs: jobs.clone().next().is_some(),
            settles: jobs.clone().any(|j| j.settled_at.is_some()),
            phases,
            breaks: !lay.breaks.is_empty(),
            markers: markers.iter().map(|m| (m.class, m.meaning)).collect(),
        }
    }
}

/// The legend's entries: the class an element is drawn with, and what it means.
pub(super) fn entries(d: &Drawn) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = d
        .verdicts
        .iter()
        .map(|v| match v {
            Verdict::Fail => ("bar fail", "scenario failed (an acceptance check)"),
            Verdict::Error => ("bar error", "scenario errored (infrastructure)"),
            _ => ("bar pass", "scenario passed"),
        })
        .map(|(k, t)| (k, t.to_owned()))
        .collect();
    if d.jobs {
        out.push(("job", "job submitted".into()));
    }
    if d.settles {
        out.push(("settle", "job settled (final poll)".into()));
    }
    if !d.phases.is_empty() {
        let names = d.phases.join(", ");
        out.push((
            "phase",
            format!("stack phase ({names}), labelled with how long it took"),
        ));
    }
    if d.breaks {
        out.push((
            "break",
            "break: the bands past it are compressed, not to scale".into(),
        ));
    }
    out.extend(d.markers.iter().map(|(k, t)| (*k, (*t).to_owned())));
    out
}

/// How to read the time axis: where the scale starts and ends, and what lies outside it.
pub(super) fn axis(lay: &Layout) -> String {
    let sc = &lay.scale;
    let mut text = format!(
        "Time since the run began. The scale spans the scenarios, from the first one's \
         start ({:.2}s) to {:.2}s",
        sc.start.as_secs_f64(),
        sc.end.as_secs_f64()
    );
    let outside =
        |bands: &[Band]| -> Vec<String> { bands.iter().map(|b| b.label.clone()).collect() };
    let (before, after) = (outside(&lay.before), outside(&lay.after));
    if !before.is_empty() {
        text += &format!("; before it, compressed: {}", before.join(", "));
    }
    if !after.is_empty() {
        text += &format!("; after it, compressed: {}", after.join(", "));
    }
    if !lay.among.is_empty() {
        text += "; the rollback's up is drawn in place";
    }
    text + "."
}
