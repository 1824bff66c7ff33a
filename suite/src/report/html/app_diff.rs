//! The `app.py` diffs of L05 and L06 in `report.html`: both snapshots (`app.json`) read
//! whole through the bounded reader, or a line that says truthfully why there is no diff
//! (a snapshot missing, over [`DIFF_LIMIT`], or not a snapshot).

use super::{own_file, Page};
use crate::bounded_read;
use maud::{html, Markup};
use similar::{ChangeTag, TextDiff};
use std::time::Duration;

/// The largest `app.json` diffed.
pub const DIFF_LIMIT: u64 = 4 << 20;

/// How long the diff of two large files may take before it settles for a coarser one.
const DIFF_TIMEOUT: Duration = Duration::from_secs(2);

/// A before/after pair of `app.py` snapshots (`get_file`'s `app.json`) for one scenario.
/// Each is a file of a scenario's own folder, e.g. (`L06`, `before/app.json`): found in
/// the last attempt's folder when that scenario was retried.
pub(super) struct DiffSource {
    pub(super) scenario: &'static str,
    before: (&'static str, &'static str),
    after: (&'static str, &'static str),
}

/// L05 fetches nothing after its edit: its "after" is the snapshot L06 takes before its own
/// refactor. L06 keeps both in its folder.
pub(super) const DIFFS: [DiffSource; 2] = [
    DiffSource {
        scenario: "L05",
        before: ("L04", "app.json"),
        after: ("L06", "before/app.json"),
    },
    DiffSource {
        scenario: "L06",
        before: ("L06", "before/app.json"),
        after: ("L06", "app.json"),
    },
];

/// One side of a diff.
enum Snapshot {
    Contents(String),
    Missing,
    /// Present but not diffed: why.
    Unusable(String),
}

impl Page<'_> {
    /// `app.py`'s contents in the snapshot `rel`, redacted.
    fn snapshot(&self, rel: &str) -> Snapshot {
        let path = self.report.run_dir.join(rel);
        if std::fs::symlink_metadata(&path).is_err() {
            return Snapshot::Missing;
        }
        let text = match bounded_read::read_text(&path, DIFF_LIMIT) {
            Ok(text) => text,
            Err(e) => {
                let folder = format!("{}/", self.report.run_dir.display());
                return Snapshot::Unusable(format!("{e:#}").replace(&folder, ""));
            }
        };
        let value: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        match value.as_ref().and_then(|v| v.get("contents")?.as_str()) {
            Some(contents) => Snapshot::Contents(self.text(contents)),
            None => Snapshot::Unusable(format!("{rel} holds no `contents` text")),
        }
    }

    /// `app.py` before and after, as a unified diff with added/removed lines coloured.
    pub(super) fn app_diff(&self, d: &DiffSource) -> Markup {
        let path = |(id, name): (&str, &str)| {
            let o = self.report.outcomes.iter().find(|o| o.id == id);
            o.and_then(|o| own_file(o, name))
                .map(str::to_owned)
                .unwrap_or_else(|| format!("live/{id}/{name}"))
        };
        let (b_rel, a_rel) = (path(d.before), path(d.after));
        let (before, after) = (self.snapshot(&b_rel), self.snapshot(&a_rel));
        let (Snapshot::Contents(b), Snapshot::Contents(a)) = (&before, &after) else {
            return html! {
                h3 { "app.py: " (b_rel) " → " (a_rel) }
                p { "no diff: " (why_not(&b_rel, &before)) (why_not(&a_rel, &after)) }
            };
        };
        let diff = TextDiff::configure()
            .timeout(DIFF_TIMEOUT)
            .diff_lines(b.as_str(), a.as_str());
        html! {
            h3 { "app.py: " (b_rel) " → " (a_rel) }
            pre.diff data-scenario=(d.scenario) {
                span.hunk { "--- " (b_rel) "\n+++ " (a_rel) "\n" }
                @for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
                    span.hunk { (hunk.header()) "\n" }
                    @for c in hunk.iter_changes() {
                        @let (class, sign) = match c.tag() {
                            ChangeTag::Insert => ("add", "+"),
                            ChangeTag::Delete => ("del", "-"),
                            ChangeTag::Equal => ("ctx", " "),
                        };
                        span class=(class) { (sign) (c.value().trim_end_matches('\n')) "\n" }
                    }
                }
                @if b == a { span.ctx { "(no change)" } }
            }
        }
    }
}

/// Why one side is not diffed, as a sentence; empty when it is.
fn why_not(rel: &str, side: &Snapshot) -> String {
    match side {
        Snapshot::Contents(_) => String::new(),
        Snapshot::Missing => {
            format!("{rel} is missing (that scenario did not run or did not fetch app.py). ")
        }
        Snapshot::Unusable(why) => format!("{why}. "),
    }
}
