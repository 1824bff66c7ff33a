//! What a scenario shows in `report.html` (`outcome::Shown`): the diff of a file between two
//! snapshots (a `get_file` answer) read whole through the bounded reader, or a line that
//! says truthfully why there is no diff (a snapshot missing, over [`DIFF_LIMIT`], or not a
//! snapshot).

use super::Page;
use crate::model::outcome::{ScenarioOutcome, Shown};
use crate::sys::bounded_read;
use maud::{html, Markup};
use similar::{ChangeTag, TextDiff};
use std::time::Duration;

/// The largest snapshot diffed.
pub(super) const DIFF_LIMIT: u64 = 4 << 20;

/// How long the diff of two large files may take before it settles for a coarser one.
const DIFF_TIMEOUT: Duration = Duration::from_secs(2);

/// One side of a diff.
enum Snapshot {
    Contents(String),
    Missing,
    /// Present but not diffed: why.
    Unusable(String),
}

impl Page<'_> {
    /// The file's contents in the snapshot `rel`, redacted.
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

    /// What `o` asked to show.
    pub(super) fn shown(&self, o: &ScenarioOutcome, shown: &Shown) -> Markup {
        match shown {
            Shown::Diff {
                file,
                before,
                after,
            } => self.diff(o, file, (before, after)),
        }
    }

    /// `file` before and after, as a unified diff with added/removed lines coloured.
    fn diff(&self, o: &ScenarioOutcome, file: &str, (b_rel, a_rel): (&str, &str)) -> Markup {
        let (before, after) = (self.snapshot(b_rel), self.snapshot(a_rel));
        let (Snapshot::Contents(b), Snapshot::Contents(a)) = (&before, &after) else {
            return html! {
                h3 { (file) ": " (b_rel) " → " (a_rel) }
                p { "no diff: " (why_not(file, b_rel, &before)) (why_not(file, a_rel, &after)) }
            };
        };
        let diff = TextDiff::configure()
            .timeout(DIFF_TIMEOUT)
            .diff_lines(b.as_str(), a.as_str());
        html! {
            h3 { (file) ": " (b_rel) " → " (a_rel) }
            pre.diff data-scenario=(self.text(&o.id)) {
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
fn why_not(file: &str, rel: &str, side: &Snapshot) -> String {
    match side {
        Snapshot::Contents(_) => String::new(),
        Snapshot::Missing => {
            format!("{rel} is missing (that scenario did not run or did not fetch {file}). ")
        }
        Snapshot::Unusable(why) => format!("{why}. "),
    }
}
