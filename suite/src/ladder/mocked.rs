//! Rollback (plan section 8) and the mocked smoke rerun M01–M04 with evidence in
//! `mocked/RERUN/`.

use super::steps::{check_success, create_project, get_file, list_files, submit_edit};
use super::{ensure, Ctx, Pass, Problem, Scenario, ScenarioResult};
use crate::evidence::{files, ScenarioDir};
use crate::model::outcome::Suite;
use crate::target::client::ApiPath;
use crate::target::health::{self, wrong_mode, Finding};
use codex_contract::{Mode, REQUEST_FILE, RESULT_FILE};

pub(crate) const SMOKE_INSTRUCTION: &str = "Create a minimal Python CLI app (mocked smoke).";
pub(crate) const SMOKE_EDIT: &str = "Append a comment line to app.py describing the change.";
/// What the dummy worker creates (CONTRACT.md, mocked mode).
pub(crate) const TEMPLATE_FILES: [&str; 3] = ["README.md", "app.py", "tests/test_cli.py"];

/// The mode switch and its health gate (JUnit suite `rollback`).
pub(crate) const ROLLBACK: Scenario = Scenario {
    id: "ROLLBACK",
    title: "Rollback to Mocked Mode",
    suite: Suite::Rollback,
    acceptance: "the backend restarted with USE_DUMMY_WORKER=True on the same data, /docs answers \
                 200 and /healthz (when present) reports mode mocked",
    run: rollback,
};

pub(crate) const SMOKE: [Scenario; 4] = [
    Scenario {
        id: "M01",
        title: "Mocked Create Project",
        suite: Suite::MockedRerun,
        acceptance:
            "POST /projects/ completes; created_files lists README.md, app.py, tests/test_cli.py",
        run: m01_create,
    },
    Scenario {
        id: "M02",
        title: "Mocked List Files",
        suite: Suite::MockedRerun,
        acceptance:
            "GET /files lists the three template files and .codex/request.json, .codex/result.json",
        run: m02_list,
    },
    Scenario {
        id: "M03",
        title: "Mocked Get app.py",
        suite: Suite::MockedRerun,
        acceptance: "GET /files/app.py answers 200 with non-empty contents",
        run: m03_get,
    },
    Scenario {
        id: "M04",
        title: "Mocked Edit Job",
        suite: Suite::MockedRerun,
        acceptance: "the edit job completes and its result says the dummy worker ran",
        run: m04_edit,
    },
];

/// Health of the backend the client points at: `/docs` 200, and the `/healthz` mode when
/// the backend has one (the original does not). Writes status.txt and healthz.json.
pub(crate) fn check_health(
    ctx: &mut Ctx,
    folder: &mut ScenarioDir,
    want: Mode,
) -> Result<String, Problem> {
    let r = health::read(&ctx.client)?;
    folder.write(
        "status.txt",
        &format!(
            "GET /docs {}\nGET /healthz {}\n",
            r.docs.status, r.healthz.status
        ),
    )?;
    let mode = match r.finding() {
        Finding::DocsDown(status) => {
            return Err(Problem::fail(format!("GET /docs answered {status}")))
        }
        Finding::NoHealthz => {
            ctx.observe(
                "no /healthz: the mode after the switch is not observable (contract: our backend \
                 serves /healthz with its mode)",
            );
            return Ok("/docs 200 (no /healthz: mode not observable)".into());
        }
        Finding::BadHealthz(e) => {
            folder.write_json("healthz.json", &r.healthz.body)?;
            return Err(Problem::fail(format!("GET /healthz: {e}")));
        }
        Finding::Mode(m) => m,
    };
    folder.write_json("healthz.json", &r.healthz.body)?;
    ensure(mode == want, || {
        format!("{} after the switch", wrong_mode(mode, want))
    })?;
    Ok(format!("/docs 200, /healthz mode {}", mode.as_str()))
}

fn rollback(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let before = ctx.stack.mode();
    ctx.stack.rollback_to_mocked().map_err(|e| {
        Problem::error(format!("rollback to mocked mode failed: {e:#}"))
            .suspect("the backend did not restart in mocked mode")
            .look("logs.txt in this folder")
    })?;
    ctx.client.set_root(&ctx.stack.base_url());
    ensure(ctx.stack.mode() == Mode::Mocked, || {
        format!(
            "the stack reports mode {} after the rollback",
            ctx.stack.mode().as_str()
        )
    })?;
    let health = check_health(ctx, folder, Mode::Mocked)?;
    // Same data: the live ladder's project is still served (informational: an external
    // mocked twin is another backend with its own data).
    let kept = match &ctx.project {
        Some(p) => {
            let reply = ctx.client.get(&ApiPath::project(&p.id))?;
            // 404: another backend's data (an external twin); anything else but 200 fails.
            if reply.status != 404 {
                reply.expect_200("GET /projects/{id} after the switch")?;
            }
            format!(
                "live project {} after the switch: HTTP {}",
                p.id, reply.status
            )
        }
        None => "no live project to look for".into(),
    };
    folder.write(
        files::NOTES,
        &format!(
            "rollback: {} -> mocked (USE_DUMMY_WORKER=True)\nbase url: {}\nhealth: {health}\ndata: {kept}\n",
            before.as_str(),
            ctx.stack.base_url()
        ),
    )?;
    // M01 creates its own project; live projects are not reused in mocked mode.
    ctx.project = None;
    Ok(Pass::new(format!(
        "{} -> mocked; {health}; {kept}",
        before.as_str()
    )))
}

fn m01_create(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let p = create_project(ctx, folder, SMOKE_INSTRUCTION, ctx.settings.poll_timeout)?;
    ctx.project = Some(p.clone());
    check_success(ctx, &p.result)?;
    let missing: Vec<_> = TEMPLATE_FILES
        .iter()
        .filter(|f| !p.result.result.created_files.iter().any(|c| c == *f))
        .collect();
    ensure(missing.is_empty(), || {
        format!("created_files lacks {missing:?}")
    })?;
    Ok(Pass::new(format!("project {} created 3 files", p.id)))
}

/// M01's project, or (when the rerun starts later with --from/--only) one created now as
/// M01 would, recorded as setup in this scenario's folder.
fn mocked_project(ctx: &mut Ctx, folder: &mut ScenarioDir) -> Result<String, Problem> {
    if let Some(p) = &ctx.project {
        return Ok(p.id.clone());
    }
    let mut setup = ScenarioDir::child(folder, "setup");
    let created = create_project(
        ctx,
        &mut setup,
        SMOKE_INSTRUCTION,
        ctx.settings.poll_timeout,
    );
    folder.leaks.append(&mut setup.leaks);
    let p = created?;
    check_success(ctx, &p.result)?;
    ctx.project = Some(p.clone());
    Ok(p.id)
}

fn m02_list(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let pid = mocked_project(ctx, folder)?;
    let files = list_files(ctx, folder, &pid)?;
    let missing: Vec<_> = TEMPLATE_FILES
        .iter()
        .chain(&[REQUEST_FILE, RESULT_FILE])
        .filter(|f| !files.contains(f))
        .collect();
    ensure(missing.is_empty(), || {
        format!("files.json lacks {missing:?}")
    })?;
    Ok(Pass::new("the five paths are listed"))
}

fn m03_get(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let pid = mocked_project(ctx, folder)?;
    let app = get_file(ctx, folder, &pid, "app.py", "app.json")?;
    ensure(!app.contents.trim().is_empty(), || {
        "app.py has empty contents".into()
    })?;
    Ok(Pass::new("app.py: 200, non-empty"))
}

fn m04_edit(ctx: &mut Ctx, folder: &mut ScenarioDir) -> ScenarioResult {
    let pid = mocked_project(ctx, folder)?;
    let own = submit_edit(ctx, folder, &pid, SMOKE_EDIT)?;
    check_success(ctx, &own)?;
    let r = &own.result;
    let dummy = r.summary.to_lowercase().contains("dummy")
        || r.logs.iter().any(|l| l.to_lowercase().contains("dummy"));
    ensure(dummy, || {
        "neither the logs nor the summary of the edit's result mention the dummy worker: \
         the backend may still run the live worker"
            .into()
    })?;
    Ok(Pass::new("edit completed by the dummy worker"))
}
