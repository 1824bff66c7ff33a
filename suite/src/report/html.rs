//! `report.html`: one self-contained page per run (inline CSS and SVG, no script, no
//! network; `<details>` expands a row), for reviewers who open the zip; `report.png`, its
//! screenshot (`screenshot.rs`), is taken from it when a headless Chromium is installed.
//!
//! - Header: verdict, stack, target profile, commit, counts, observations, and the
//!   comparison with the baseline run when there is one.
//! - One row per scenario: verdict, duration, reason; notes.txt, the result excerpt, the
//!   primary response (pretty-printed), links to every evidence file by relative path (they
//!   open from the unzipped folder); what the scenario asks to show (`outcome::Shown`, e.g. the
//!   unified diff of a file between two snapshots).
//! - A timeline: the stack's phases (build, up, the rollback's up, down) as labelled bands,
//!   one bar per scenario that ran along wall time, ticks for each job's submit and settle,
//!   the rollback, and the gate where the ladder stopped; a legend of what is drawn.
//!
//! **Invariant:** every text that comes from a run (reasons, evidence files, the target
//! profile) passes through [`Redactor`] in [`Page::text`] before it reaches the page, and
//! maud escapes it; the written file goes through the evidence writer (the redactor) once more.

use crate::compare::BaselineComparison;
use crate::evidence::{files, Evidence};
use crate::model::outcome::{RunReport, ScenarioOutcome, Verdict};
use crate::model::secrets::Redactor;
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// Longest evidence text shown inline; the link opens the whole file.
const INLINE_LIMIT: usize = 64 * 1024;

/// Writes `report.html` (`Reporter::finish` then has `screenshot.rs` take report.png).
pub(crate) fn write(ev: &Evidence, report: &RunReport) -> anyhow::Result<()> {
    ev.write(files::REPORT_HTML, &render(report, ev.redactor()))?;
    Ok(())
}

/// The whole page. Evidence files are read from `report.run_dir`.
pub(crate) fn render(report: &RunReport, redactor: &Redactor) -> String {
    Page { report, redactor }.markup().into_string()
}

struct Page<'a> {
    report: &'a RunReport,
    redactor: &'a Redactor,
}

const CSS: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;color:#1f2328;background:#fff}
h1{font-size:1.4rem;margin:.2rem 0 .6rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
.badge{display:inline-block;min-width:3.4em;text-align:center;padding:.05rem .45rem;border-radius:.3rem;font-weight:600;color:#fff;font-size:.85em}
.pass{background:#1a7f37}.fail{background:#cf222e}.error{background:#9a6700}.skip{background:#8c959f}
table.meta td{padding:.1rem .8rem .1rem 0;vertical-align:top}table.meta td:first-child{color:#59636e}
.counts span{margin-right:1rem}
ul.obs,ul.cmp{margin:.2rem 0;padding-left:1.2rem}.regression{color:#cf222e;font-weight:600}
details.row{border:1px solid #d1d9e0;border-radius:.4rem;margin:.35rem 0;background:#f6f8fa}
details.row>summary{cursor:pointer;padding:.4rem .6rem;display:flex;gap:.7rem;align-items:baseline;list-style:none}
details.row>summary::-webkit-details-marker{display:none}
details.row>summary::before{content:"\25B8";color:#59636e;width:.8em;flex:none}details.row[open]>summary::before{content:"\25BE"}
details.row>summary .id{font-weight:600;min-width:6.5em}details.row>summary .dur{color:#59636e;min-width:4.5em;text-align:right}
details.row>summary .reason{color:#1f2328;overflow-wrap:anywhere}
details.row .body{padding:.2rem .9rem .8rem;background:#fff;border-top:1px solid #d1d9e0}
pre{background:#f6f8fa;border:1px solid #d1d9e0;border-radius:.3rem;padding:.5rem;overflow:auto;max-height:28rem;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
pre.diff{white-space:pre}.diff .add{background:#dafbe1;color:#116329;display:block}.diff .del{background:#ffebe9;color:#82071e;display:block}.diff .hunk{color:#0550ae;display:block}.diff .ctx{display:block}
#failure{border:2px solid #cf222e;border-radius:.4rem;padding:.2rem .9rem .6rem;margin:.4rem 0 .8rem;background:#fff8f8}#failure h2{margin:.5rem 0 .3rem}#failure .reason{font-weight:600;overflow-wrap:anywhere}pre.first{max-height:14rem}
h3{font-size:.95rem;margin:.8rem 0 .3rem}ul.files{columns:2;margin:.2rem 0;padding-left:1.2rem}
svg.timeline{width:100%;height:auto;border:1px solid #d1d9e0;border-radius:.4rem;background:#fff}
svg text{font:11px ui-monospace,monospace;fill:#1f2328}
.bar.pass{fill:#2da44e}.bar.fail{fill:#cf222e}.bar.error{fill:#bf8700}
.job{stroke:#0550ae;stroke-width:2}.settle{stroke:#8250df;stroke-width:2}.grid{stroke:#eaeef2}
line.rollback{stroke:#0969da;stroke-width:2;stroke-dasharray:5 3}line.gate{stroke:#cf222e;stroke-width:2}svg text.rollback{fill:#0969da}svg text.gate{fill:#cf222e}
.phase{fill:#d8dee4;stroke:#6e7781;stroke-width:1}.break line{stroke:#6e7781;stroke-dasharray:1 3}.break path{stroke:#424a53;stroke-width:1.5;fill:none}
.legend{margin:.4rem 0;font-size:.85em;color:#59636e}.legend span{margin-right:1rem;white-space:nowrap}
.sw{display:inline-block;width:.9em;height:.75em;margin-right:.3em;vertical-align:-.05em;border-radius:2px}
.sw.bar.pass{background:#2da44e}.sw.bar.fail{background:#cf222e}.sw.bar.error{background:#bf8700}
.sw.job,.sw.settle,.sw.gate{width:2px;border-radius:0}.sw.job{background:#0550ae}.sw.settle{background:#8250df}.sw.gate{background:#cf222e}
.sw.phase{background:#d8dee4;border:1px solid #6e7781}.sw.rollback{width:0;border-left:2px dashed #0969da;border-radius:0}
.sw.break{width:auto;height:auto}.sw.break::before{content:"//";font-style:normal;font-weight:700;color:#424a53}
"#;

impl Page<'_> {
    /// Every run text goes through here: redacted, then escaped by maud where it is used.
    fn text(&self, s: &str) -> String {
        self.redactor.redact(s).text
    }

    /// An evidence file's text, redacted; `None` when it is missing or not UTF-8.
    fn evidence(&self, rel: &str) -> Option<String> {
        let bytes = std::fs::read(self.report.run_dir.join(rel)).ok()?;
        let mut s = String::from_utf8(bytes).ok()?;
        if s.len() > INLINE_LIMIT {
            let cut = (0..=INLINE_LIMIT)
                .rev()
                .find(|i| s.is_char_boundary(*i))
                .unwrap_or(0);
            s.truncate(cut);
            s.push_str("\n… (truncated; open the file for the rest)\n");
        }
        Some(self.text(&s))
    }

    fn markup(&self) -> Markup {
        let r = self.report;
        let verdict = if r.passed() { "PASS" } else { "FAIL" };
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { "live-suite " (self.text(&r.run_id)) ": " (verdict) }
                    style { (PreEscaped(CSS)) }
                }
                body {
                    (self.header(verdict))
                    h2 { "Timeline" }
                    (self.timeline())
                    h2 { "Scenarios" }
                    div #scenarios {
                        @for o in &r.outcomes { (self.row(o)) }
                    }
                }
            }
        }
    }

    fn header(&self, verdict: &str) -> Markup {
        let baseline = self.report.comparison.as_ref();
        let r = self.report;
        let count = |v: Verdict| r.outcomes.iter().filter(|o| o.verdict == v).count();
        let observations: Vec<(&str, &String)> = r
            .outcomes
            .iter()
            .flat_map(|o| o.observations.iter().map(move |t| (o.id.as_str(), t)))
            .collect();
        html! {
            header #run {
                h1 {
                    span.badge.(verdict.to_lowercase()) #verdict { (verdict) }
                    " live-suite run " (self.text(&r.run_id))
                }
                @if let Some(o) = r.first_failure() { (self.failure(o)) }
                table.meta {
                    tr { td { "stack" } td #stack { (self.text(&r.stack)) } }
                    tr { td { "base URL" } td { (self.text(&r.base_url)) } }
                    tr { td { "target commit" } td #commit { code { (self.text(&r.git_commit)) } } }
                    tr { td { "suite" } td #suite { (crate::model::outcome::SUITE_VERSION) } }
                    tr { td { "started" } td { (humantime::format_rfc3339_seconds(r.started)) } }
                    tr { td { "total time" } td #total { (super::text::duration(r.started.elapsed().unwrap_or_default())) } }
                    @if !r.settings.is_empty() {
                        tr {
                            td { "settings" }
                            td #settings {
                                @for (k, v) in &r.settings {
                                    span { b { (self.text(k)) } " " (self.text(v)) } " "
                                }
                            }
                        }
                    }
                    tr {
                        td { "target" }
                        td #target {
                            // The facts in words: the profile's own sentence.
                            @match r.target_description() {
                                Some(words) => (self.text(words.trim_start_matches("target: "))),
                                None => "(not profiled)",
                            }
                        }
                    }
                }
                p.counts #counts {
                    span { (count(Verdict::Pass)) " passed" }
                    span { (count(Verdict::Fail)) " failed" }
                    span { (count(Verdict::Error)) " errors" }
                    span { (count(Verdict::Skip)) " skipped" }
                    span { (r.outcomes.len()) " scenarios" }
                }
                @if !observations.is_empty() {
                    h2 { "Observations" }
                    ul.obs #observations {
                        @for (id, t) in &observations { li { b { (id) } " " (self.text(t)) } }
                    }
                }
                @if let Some(BaselineComparison::Run(c)) = baseline {
                    h2 { "Compared with " (self.text(&c.old_run)) }
                    div #baseline {
                        p { (c.headline()) }
                        @if !c.changes.is_empty() {
                            ul.cmp {
                                @for ch in &c.changes {
                                    li class=[ch.is_regression().then_some("regression")] {
                                        (self.text(&ch.line()))
                                    }
                                }
                            }
                        }
                    }
                } @else if let Some(other) = baseline {
                    h2 { "Comparison" }
                    p #baseline { (self.text(&other.render_text())) }
                }
            }
        }
    }

    /// What the first screen says of a failed run: the scenario that failed first, its
    /// reason, the job's own error, and its notes.txt, linked to its row.
    fn failure(&self, o: &ScenarioOutcome) -> Markup {
        let job_error = self
            .first_evidence(o, "job.json")
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
        html! {
            section #failure {
                h2 {
                    span.badge.(o.verdict.as_str().to_lowercase()) { (o.verdict.as_str()) }
                    " " a href=(format!("#row-{}", self.text(&o.id))) {
                        (self.text(&o.id)) " " (self.text(&o.title))
                    }
                }
                p.reason #failure-reason { (self.text(&o.reason)) }
                @if let Some(e) = &job_error {
                    p.job-error { "the job's own error: " code { (self.text(e)) } }
                }
                @if let Some(n) = &o.notes {
                    pre.notes.first { (self.text(n)) }
                }
            }
        }
    }

    fn row(&self, o: &ScenarioOutcome) -> Markup {
        let class = o.verdict.as_str().to_lowercase();
        let excerpt = self.first_evidence(o, "result_excerpt.txt");
        let response = self.first_evidence(o, "response.json").map(|t| pretty(&t));
        // A failure's own job (its error), ahead of the answer that queued it.
        let job = o
            .verdict
            .is_failure()
            .then(|| self.first_evidence(o, "job.json"))
            .flatten()
            .map(|t| pretty(&t));
        html! {
            details.row id=(format!("row-{}", o.id)) data-verdict=(o.verdict.as_str())
                open[matches!(o.verdict, Verdict::Fail | Verdict::Error)] {
                summary {
                    span.badge.(class) { (o.verdict.as_str()) }
                    span.id { (self.text(&o.id)) }
                    span.dur { (super::text::duration(o.duration)) }
                    span.reason { (self.text(&o.title)) " · " (self.text(&o.reason)) }
                }
                div.body {
                    p { "suite " (o.suite.as_str()) }
                    @if !o.observations.is_empty() {
                        h3 { "Observations" }
                        ul.obs { @for t in &o.observations { li { (self.text(t)) } } }
                    }
                    @if !o.failed_attempts.is_empty() {
                        h3 { "Failed attempts" }
                        ul.obs {
                            @for a in &o.failed_attempts {
                                li {
                                    "attempt " (a.number) ": " (a.verdict.as_str()) " after "
                                    (super::text::duration(a.duration)) " · " (self.text(&a.reason)) " · "
                                    a href=(self.text(&a.evidence_dir)) { (self.text(&a.evidence_dir)) "/" }
                                }
                            }
                        }
                    }
                    @if let Some(n) = &o.notes {
                        h3 { "notes.txt" }
                        pre.notes { (self.text(n)) }
                    }
                    @if let Some(t) = &job {
                        h3 { "The job, as the backend last reported it" }
                        pre.job { (t) }
                    }
                    @if let Some(t) = &excerpt {
                        h3 { "Result excerpt" }
                        pre.excerpt { (t) }
                    }
                    @if let Some(t) = &response {
                        h3 { "Response" }
                        pre.response { (t) }
                    }
                    @for shown in &o.shown { (self.shown(o, shown)) }
                    @if !o.evidence.is_empty() {
                        h3 { "Evidence files" }
                        ul.files {
                            @for f in &o.evidence {
                                li { a href=(self.text(f)) { (self.text(f)) } }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The scenario's own file (its last attempt's after retries), redacted.
    fn first_evidence(&self, o: &ScenarioOutcome, name: &str) -> Option<String> {
        o.own_file(name).and_then(|f| self.evidence(f))
    }
}

/// JSON pretty-printed when it parses, as is otherwise.
fn pretty(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_owned())
}

mod diff;
mod timeline;

#[cfg(test)]
mod tests;
