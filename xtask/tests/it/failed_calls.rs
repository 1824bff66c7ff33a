//! Every request a scenario makes feeds its verdict: for each scenario and each of its
//! calls, a target that answers that call with a 500 makes the scenario fail, naming it.

use crate::support::fake_backend::{self, Config};
use crate::support::hostile::{self, Faults, Route};
use crate::support::{xtask, Run};

/// (scenario, the call that fails, how many of its answers come first, what the reason
/// names). Live scenarios run alone (`--only`, a project created as setup when needed);
/// the rollback and the rerun run after `--only L04` against a failing mocked twin, whose
/// first health answers go to the check before any scenario.
const CASES: &[(&str, Route, usize, &str)] = &[
    ("L01", Route::Create, 0, "POST /projects/ answered HTTP 500"),
    (
        "L01",
        Route::Result,
        0,
        "GET /{project_id}/files/.codex/result.json answered HTTP 500",
    ),
    (
        "L02",
        Route::Files,
        0,
        "GET /{project_id}/files answered HTTP 500",
    ),
    (
        "L03",
        Route::Files,
        0,
        "GET /{project_id}/files answered HTTP 500",
    ),
    (
        "L04",
        Route::AppPy,
        0,
        "GET /{project_id}/files/app.py answered HTTP 500",
    ),
    (
        "L05",
        Route::Result,
        1,
        "GET /{project_id}/files/.codex/result.json answered HTTP 500",
    ),
    (
        "L05",
        Route::PostJob,
        0,
        "POST /{project_id}/jobs answered HTTP 500",
    ),
    (
        "L06",
        Route::AppPy,
        0,
        "GET /{project_id}/files/app.py answered HTTP 500",
    ),
    (
        "L06",
        Route::AppPy,
        1,
        "GET /{project_id}/files/app.py answered HTTP 500",
    ),
    (
        "L06",
        Route::PostJob,
        0,
        "POST /{project_id}/jobs answered HTTP 500",
    ),
    ("L07", Route::Create, 0, "POST /projects/ answered HTTP 500"),
    (
        "L07",
        Route::Docs,
        1,
        "GET /docs after the forced error answered HTTP 500",
    ),
    (
        "L07",
        Route::Project,
        0,
        "GET /projects/{id} after the forced error answered HTTP 500",
    ),
    ("L08", Route::Create, 0, "POST /projects/ answered HTTP 500"),
    (
        "L08",
        Route::Files,
        0,
        "GET /{project_id}/files answered HTTP 500",
    ),
    ("ROLLBACK", Route::Docs, 2, "GET /docs answered 500"),
    ("ROLLBACK", Route::Healthz, 2, "GET /healthz"),
    (
        "ROLLBACK",
        Route::Project,
        0,
        "GET /projects/{id} after the switch answered HTTP 500",
    ),
    ("M01", Route::Create, 0, "POST /projects/ answered HTTP 500"),
    (
        "M01",
        Route::Result,
        0,
        "GET /{project_id}/files/.codex/result.json answered HTTP 500",
    ),
    (
        "M02",
        Route::Files,
        0,
        "GET /{project_id}/files answered HTTP 500",
    ),
    (
        "M03",
        Route::AppPy,
        0,
        "GET /{project_id}/files/app.py answered HTTP 500",
    ),
    (
        "M04",
        Route::PostJob,
        0,
        "POST /{project_id}/jobs answered HTTP 500",
    ),
    (
        "M04",
        Route::Result,
        1,
        "GET /{project_id}/files/.codex/result.json answered HTTP 500",
    ),
];

fn run_case(id: &str, route: Route, skip: usize) -> (Run, tempfile::TempDir) {
    let fail = Faults {
        fail: Some((route, skip)),
        ..Default::default()
    };
    let out = tempfile::tempdir().unwrap();
    let common = ["--poll-timeout", "20", "--long-run-seconds", "1"];
    if id.starts_with('L') {
        let live = hostile::start(Config::default(), fail);
        let mut args = vec!["live-suite", "--base-url", &live.url, "--only", id];
        args.extend(common);
        return (xtask(&args, &[], out.path()), out);
    }
    let live = fake_backend::start(Config::default());
    let twin = hostile::start(
        Config {
            mocked: true,
            healthz: true,
            ..Default::default()
        },
        fail,
    );
    let mut args = vec!["live-suite", "--base-url", &live.url, "--only", "L04"];
    args.extend(["--mocked-base-url", &twin.url]);
    args.extend(common);
    (xtask(&args, &[], out.path()), out)
}

#[test]
fn a_failed_call_of_any_scenario_is_its_verdict_and_named_in_it() {
    // Four at a time: each case is a whole xtask run against its own doubles.
    let indices: Vec<usize> = (0..CASES.len()).collect();
    let results: Vec<(usize, (Run, tempfile::TempDir))> = std::thread::scope(|s| {
        let handles: Vec<_> = indices
            .chunks(CASES.len().div_ceil(4))
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|&i| {
                            let (id, route, skip, _) = CASES[i];
                            (i, run_case(id, route, skip))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut wrong = Vec::new();
    for (i, (run, _out)) in &results {
        let (id, route, skip, names) = CASES[*i];
        let (verdict, reason) = run.verdict(id);
        if !matches!(verdict.as_str(), "FAIL" | "ERROR") || !reason.contains(names) || run.code != 1
        {
            wrong.push(format!(
                "{id} {route:?} after {skip}: exit {} {verdict} {reason}",
                run.code
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
