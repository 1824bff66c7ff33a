//! The live ladder L01–L08 (plan section 3); each scenario's acceptance reads like the
//! plan's section 11.

use super::steps::{
    check_modified, check_presence_lines, check_success, create_project, get_file, list_files,
    observe_status, submit_edit,
};
use super::{ensure, Ctx, Pass, Problem, Project, Scenario, ScenarioResult};
use crate::evidence::{files, ScenarioDir};
use crate::model::outcome::{ScenarioOutcome, Shown, Suite, Verdict};
use crate::target::client::ApiPath;
use codex_contract::{Status, WorkerStatus, REQUEST_FILE, RESULT_FILE};
use std::time::{Duration, Instant};

/// The instruction every live project starts from.
pub(crate) const STANDARD_INSTRUCTION: &str =
    "Create a minimal Python CLI app with a fibonacci function, a README and a test.";
pub(crate) const EDIT_INSTRUCTION: &str = "Append a comment line to app.py describing the change.";
pub(crate) const REFACTOR_INSTRUCTION: &str = "Refactor the fibonacci function in app.py to an \
     iterative implementation with an input guard, and add a docstring note about the refactor.";
pub(crate) const FORCE_ERROR_INSTRUCTION: &str =
    "force_error: exercise the controlled failure path of the worker.";

/// L08's instruction: the worker sleeps N seconds before generating.
pub(crate) fn long_run_instruction(seconds: u64) -> String {
    format!("long_run: sleep_seconds={seconds}; generate and analyze a large codebase")
}

pub const LADDER: [Scenario; 8] = [
    Scenario {
        id: "L01",
        title: "Worker Environment Presence",
        suite: Suite::Live,
        acceptance: "result.json logs include the presence lines OPENAI_API_KEY/OPENAI_ORG_ID/\
                     OPENAI_PROJECT=present|absent; no secret values",
        run: l01_env_presence,
    },
    Scenario {
        id: "L02",
        title: "Simple CLI Scaffold",
        suite: Suite::Live,
        acceptance: "the initial job succeeded; .codex/request.json and .codex/result.json are \
                     listed, with every created file",
        run: l02_scaffold,
    },
    Scenario {
        id: "L03",
        title: "File Listing Verification",
        suite: Suite::Live,
        acceptance:
            "GET /files lists .codex/request.json, .codex/result.json and generated content",
        run: l03_listing,
    },
    Scenario {
        id: "L04",
        title: "Representative File Fetch",
        suite: Suite::Live,
        acceptance: "GET /files/app.py answers 200 with non-empty contents",
        run: l04_fetch,
    },
    Scenario {
        id: "L05",
        title: "Edit: Add Feature",
        suite: Suite::Live,
        acceptance:
            "the edit job's own result.json lists app.py in modified_files; coherent summary",
        run: l05_edit,
    },
    Scenario {
        id: "L06",
        title: "Edit: Refactor Logic",
        suite: Suite::Live,
        acceptance: "result.json lists app.py in modified_files and app.py changed (an appended \
                     note only passes as a structured limitation)",
        run: l06_refactor,
    },
    Scenario {
        id: "L07",
        title: "Negative and Error Handling",
        suite: Suite::Live,
        acceptance:
            "result.json status=error with errors including forced_error; the API still answers",
        run: l07_forced_error,
    },
    Scenario {
        id: "L08",
        title: "Long-running Job",
        suite: Suite::Live,
        acceptance: "success with a coherent summary, or a structured error, within the long-run \
                     timeout (twice --poll-timeout); presence-only logs",
        run: l08_long_run,
    },
];

/// L01's project, or (when the ladder starts later with --from/--only) one created now and
/// recorded as setup in this scenario's folder.
fn project(ctx: &mut Ctx, folder: &mut ScenarioDir) -> Result<Project, Problem> {
    if let Some(p) = &ctx.project {
        return Ok(p.clone());
    }
    let mut setup = crate::evidence::ScenarioDir::child(folder, "setup");
    let p = create_project(
        ctx,
        &mut setup,
        STANDARD_INSTRUCTION,
        ctx.settings.poll_timeout,
    );
    // The setup's leaks are this scenario's, whether or not the setup passed.
    ctx.keep_answer_leaks("the setup");
    folder.leaks.append(&mut setup.leaks);
    let p = p?;
    ctx.project = Some(p.clone());
    Ok(p)
}

/// L01: create a project; its result.json carries the three presence lines, no values.
fn l01_env_presence(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let p = create_project(ctx, folder, STANDARD_INSTRUCTION, ctx.settings.poll_timeout)?;
    ctx.project = Some(p.clone());
    let lines = check_presence_lines(&p.result)?;
    // The worker must see what the stack handed over: a key that never reached the worker
    // container would otherwise pass as a coherent `absent`.
    if let Some(handed) = ctx.stack.handed_secrets() {
        let expected = handed.presence();
        ensure(lines == expected, || {
            format!(
                "the worker reports {} but the stack handed the backend {}",
                lines.join(" "),
                expected.join(" ")
            )
        })?;
    }
    ensure(p.result.result.status != WorkerStatus::Unknown, || {
        "result.json status is neither success nor error".into()
    })?;
    Ok(Pass::new(format!(
        "presence lines {} in result.json of project {}",
        lines.join(" "),
        p.id
    )))
}

/// L02: the scaffold: the initial job succeeded and its files and .codex artifacts are listed.
fn l02_scaffold(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let p = project(ctx, folder)?;
    folder.write_json("response.json", &p.response)?;
    super::steps::save_result(folder, &p.result)?;
    check_success(ctx, &p.result)?;
    let files = list_files(ctx, folder, &p.id)?;
    for path in [REQUEST_FILE, RESULT_FILE] {
        ensure(files.contains(path), || format!("files.json lacks {path}"))?;
    }
    let missing: Vec<_> = p
        .result
        .result
        .created_files
        .iter()
        .filter(|f| !files.contains(f))
        .collect();
    ensure(missing.is_empty(), || {
        format!("created_files not in the listing: {missing:?}")
    })?;
    Ok(Pass::new(format!(
        "initial job succeeded; created {}",
        p.result.result.created_files.join(", ")
    )))
}

/// L03: the listing shows the .codex artifacts and generated content.
fn l03_listing(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let p = project(ctx, folder)?;
    let files = list_files(ctx, folder, &p.id)?;
    for path in [REQUEST_FILE, RESULT_FILE] {
        ensure(files.contains(path), || format!("files.json lacks {path}"))?;
    }
    let generated = files
        .files
        .iter()
        .filter(|f| !f.path.starts_with(".codex/"))
        .count();
    ensure(generated > 0, || {
        "files.json lists only .codex/ files: the worker generated nothing".into()
    })?;
    Ok(Pass::new(format!(
        "{} files listed, {generated} generated",
        files.files.len()
    )))
}

/// L04: app.py comes back 200 and non-empty.
fn l04_fetch(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let p = project(ctx, folder)?;
    let app = get_file(ctx, folder, &p.id, "app.py", "app.json")?;
    ensure(!app.contents.trim().is_empty(), || {
        "GET /files/app.py answered 200 with empty contents".into()
    })?;
    Ok(Pass::new(format!(
        "app.py: 200, {} lines",
        app.contents.lines().count()
    )))
}

/// L05: an edit job whose own result lists app.py in modified_files.
fn l05_edit(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let p = project(ctx, folder)?;
    let own = submit_edit(ctx, folder, &p.id, EDIT_INSTRUCTION)?;
    check_success(ctx, &own)?;
    check_modified(&own, "app.py")?;
    Ok(Pass::new(format!(
        "edit job {} modified app.py: {}",
        own.job_id.as_deref().unwrap_or("(id unknown)"),
        own.result.summary
    )))
}

/// L06: a refactor; app.py listed as modified and its contents changed. A mere appended
/// note passes with a structured limitation in notes.txt.
fn l06_refactor(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let p = project(ctx, folder)?;
    let mut before_folder = ScenarioDir::child(folder, "before");
    let before = get_file(ctx, &mut before_folder, &p.id, "app.py", "app.json")?;
    folder.leaks.append(&mut before_folder.leaks);
    let own = submit_edit(ctx, folder, &p.id, REFACTOR_INSTRUCTION)?;
    check_success(ctx, &own)?;
    check_modified(&own, "app.py")?;
    let after = get_file(ctx, folder, &p.id, "app.py", "app.json")?;
    ensure(after.contents != before.contents, || {
        "app.py is listed as modified but its contents did not change".into()
    })?;
    if after.contents.starts_with(&before.contents) {
        let added = after.contents[before.contents.len()..].trim().to_owned();
        return Ok(
            Pass::new("app.py changed by an appended note only (limitation noted)").with_note(
                format!(
                    "limitation: the worker did not refactor app.py; it appended:\n{added}\n\
                 kind: structured limitation (plan L06 debug note); the live worker is minimal\n\
                 where to look: before/app.json and app.json in this folder\n"
                ),
            ),
        );
    }
    Ok(Pass::new(format!(
        "app.py refactored ({} -> {} lines): {}",
        before.contents.lines().count(),
        after.contents.lines().count(),
        own.result.summary
    )))
}

/// L07: force_error ends in a structured error and the API stays up.
fn l07_forced_error(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let p = create_project(
        ctx,
        folder,
        FORCE_ERROR_INSTRUCTION,
        ctx.settings.poll_timeout,
    )?;
    let r = &p.result.result;
    ensure(r.status == WorkerStatus::Error, || {
        format!(
            "result.json status is {}, expected error",
            r.status.as_str()
        )
    })?;
    ensure(r.errors.iter().any(|e| e == "forced_error"), || {
        format!("errors does not include \"forced_error\": {:?}", r.errors)
    })?;
    // API stable: the docs page and this project still answer.
    let docs = ctx.client.get_root("/docs")?;
    docs.expect_200("GET /docs after the forced error")?;
    let detail = ctx.client.get(&ApiPath::project(&p.id))?;
    detail.expect_200("GET /projects/{id} after the forced error")?;
    folder.write(
        files::NOTES,
        &format!(
            "scenario: L07 Negative and Error Handling\nobserved: job ended with status {}, result \
             status error, errors {:?}\napi after the error: GET /docs {}, GET /projects/{{id}} {}\n",
            p.result.status, r.errors, docs.status, detail.status
        ),
    )?;
    // The contract's job status; the original marks it completed (an observation).
    observe_status(ctx, &p.result, Status::Error);
    Ok(Pass::new(
        "forced_error reported as a structured error; API still answers",
    ))
}

/// L08: the long run ends in success or a structured error within twice the poll timeout.
/// A run that ends well before its worker's sleep is an observation.
fn l08_long_run(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let seconds = ctx.settings.long_run_seconds;
    let instruction = long_run_instruction(seconds);
    let timeout = ctx.settings.poll_timeout * 2;
    let start = Instant::now();
    let p = create_project(ctx, folder, &instruction, timeout)?;
    let took = start.elapsed();
    if took < Duration::from_secs(seconds) {
        ctx.observe(format!(
            "the long run took {:.1} s for sleep_seconds={seconds}: the target ignores the \
             delay (contract: the worker takes at least that long)",
            took.as_secs_f64()
        ));
    }
    check_presence_lines(&p.result)?;
    let r = &p.result.result;
    if r.is_success() {
        check_success(ctx, &p.result)?;
        let files = list_files(ctx, folder, &p.id)?;
        ensure(!files.files.is_empty(), || "files.json is empty".into())?;
        return Ok(Pass::new(format!("long run succeeded: {}", r.summary)));
    }
    ensure(
        r.status == WorkerStatus::Error && !r.errors.is_empty(),
        || {
            format!(
                "long run ended {} without a structured error (errors empty)",
                r.status.as_str()
            )
        },
    )?;
    observe_status(ctx, &p.result, Status::Error);
    Ok(Pass::new(format!(
        "long run ended in a structured error: {}",
        r.errors[0]
    )))
}

/// A diff of app.py the HTML report shows for `scenario`: each side a snapshot
/// (`get_file`'s answer) in a scenario's own folder, e.g. (`L06`, `before/app.json`).
struct AppDiff {
    scenario: &'static str,
    before: (&'static str, &'static str),
    after: (&'static str, &'static str),
}

/// L05 fetches nothing after its edit: its "after" is the snapshot L06 takes before its own
/// refactor. L06 keeps both in its folder.
const APP_DIFFS: [AppDiff; 2] = [
    AppDiff {
        scenario: "L05",
        before: ("L04", "app.json"),
        after: ("L06", "before/app.json"),
    },
    AppDiff {
        scenario: "L06",
        before: ("L06", "before/app.json"),
        after: ("L06", "app.json"),
    },
];

/// Attaches to L05 and L06 (when they ran) the diff of app.py their edits made, each side
/// found in its scenario's last attempt (`live/<ID>/<file>` when that scenario has none,
/// which the report names as missing).
pub(crate) fn attach_app_diffs(outcomes: &mut [ScenarioOutcome]) {
    let path = |outcomes: &[ScenarioOutcome], (id, name): (&str, &str)| {
        let o = outcomes.iter().find(|o| o.id == id);
        o.and_then(|o| o.own_file(name))
            .map(str::to_owned)
            .unwrap_or_else(|| format!("live/{id}/{name}"))
    };
    for d in &APP_DIFFS {
        let shown = Shown::Diff {
            file: "app.py".into(),
            before: path(outcomes, d.before),
            after: path(outcomes, d.after),
        };
        let ran = |o: &&mut ScenarioOutcome| o.id == d.scenario && o.verdict != Verdict::Skip;
        if let Some(o) = outcomes.iter_mut().find(ran) {
            o.shown.push(shown);
        }
    }
}
