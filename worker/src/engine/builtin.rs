//! The built-in deterministic engine (the default). An initial job writes the Python CLI
//! project; an edit acts on keywords in the instruction:
//! - a refactor of fibonacci (`refactor`/`iterative`/`input guard` + `fibonacci`): iterative
//!   rewrite with an input guard and a docstring note, and tests for the guard;
//! - the word `15`: `python3 app.py` prints 15 numbers instead of 10;
//! - anything else: a comment line describing the change is appended to `app.py`.
//!
//! Planning (pure: reads the workspace, returns the writes) is separate from applying (all
//! or nothing, see `changeset`), so a failed job never leaves a half-changed workspace.

use super::python_project::{self as py, AppPy};
use super::Done;
use crate::changeset::FileWrite;
use crate::secrets::Secrets;
use anyhow::{Context, Result};
use codex_contract::{JobType, WorkerRequest};
use std::path::Path;

/// The files to write and the summary of what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub summary: String,
    pub writes: Vec<FileWrite>,
}

/// What an edit instruction asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Keywords {
    pub refactor_fibonacci: bool,
    pub fifteen: bool,
}

impl Keywords {
    pub fn of(instruction: &str) -> Keywords {
        let lower = instruction.to_lowercase();
        let refactor = ["refactor", "iterative", "input guard"]
            .iter()
            .any(|k| lower.contains(k));
        // Whole words only: `sleep_seconds=15` or `150` must not switch the output.
        let fifteen = lower
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '=' || c == '.'))
            .map(|w| w.trim_end_matches('.'))
            .any(|w| w == "15");
        Keywords {
            refactor_fibonacci: refactor && lower.contains("fibonacci"),
            fifteen,
        }
    }
}

/// Plans the job. The instruction text that ends up in files is redacted first.
pub fn plan(workspace: &Path, request: &WorkerRequest, secrets: &Secrets) -> Result<Plan> {
    let instruction = secrets.redact(&request.instruction);
    match request.job_type {
        JobType::InitialProject => Ok(Plan {
            summary: format!(
                "Generated a Python CLI project ({}, {}, {}): fibonacci(n) and a main that \
                 prints the first 10 numbers comma-joined",
                py::README,
                py::APP,
                py::TEST_CLI
            ),
            writes: vec![
                FileWrite::new(py::README, py::readme(&instruction)),
                FileWrite::new(py::APP, AppPy::default().render()),
                FileWrite::new(py::TEST_CLI, py::test_cli(false)),
            ],
        }),
        JobType::Edit => plan_edit(workspace, &instruction),
    }
}

fn plan_edit(workspace: &Path, instruction: &str) -> Result<Plan> {
    let app_path = workspace.join(py::APP);
    let current = match std::fs::read_to_string(&app_path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(e)
                .with_context(|| format!("reading {} (an edit changes it)", app_path.display()))
        }
    };
    let keywords = Keywords::of(instruction);
    let mut done = Vec::new();
    let mut writes = Vec::new();

    if keywords.refactor_fibonacci || keywords.fifteen {
        let mut app = current.as_deref().map(AppPy::parse).unwrap_or_default();
        if keywords.refactor_fibonacci {
            app.refactored = true;
            done.push(
                "rewrote fibonacci iteratively with an input guard (ValueError on negative \
                 or non-int n) and a docstring note, and added tests for the guard",
            );
        }
        if keywords.fifteen {
            app.count = 15;
            done.push("switched the output to the first 15 numbers");
        }
        writes.push(FileWrite::new(py::APP, app.render()));
        if keywords.refactor_fibonacci {
            writes.push(FileWrite::new(py::TEST_CLI, py::test_cli(true)));
        }
    } else {
        let base = current.unwrap_or_else(|| AppPy::default().render());
        let mut text = base;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&py::note_line(instruction));
        text.push('\n');
        writes.push(FileWrite::new(py::APP, text));
        done.push("appended a comment describing the change to app.py");
    }
    Ok(Plan {
        summary: format!("Edited the project: {}", done.join("; ")),
        writes,
    })
}

/// Plans and applies the job.
pub fn run(workspace: &Path, request: &WorkerRequest, secrets: &Secrets) -> Result<Done> {
    let plan = plan(workspace, request, secrets)?;
    crate::changeset::apply(workspace, &plan.writes)?;
    Ok(Done {
        summary: plan.summary,
        logs: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn request(job_type: JobType, instruction: &str) -> WorkerRequest {
        WorkerRequest {
            project_id: "p".into(),
            job_id: "j".into(),
            job_type,
            instruction: instruction.into(),
        }
    }

    fn secrets() -> Secrets {
        Secrets::from_lookup(&|n| (n == "OPENAI_API_KEY").then(|| "sk-planted-42".to_owned()))
    }

    fn run_job(dir: &Path, job_type: JobType, instruction: &str) -> Done {
        run(dir, &request(job_type, instruction), &secrets()).unwrap()
    }

    #[test]
    fn keywords_are_detected_as_whole_words() {
        let k = Keywords::of("Refactor the Fibonacci function");
        assert!(k.refactor_fibonacci && !k.fifteen);
        assert!(Keywords::of("make fibonacci iterative with an input guard").refactor_fibonacci);
        assert!(!Keywords::of("refactor the README").refactor_fibonacci);
        assert!(Keywords::of("print 15 numbers").fifteen);
        assert!(Keywords::of("show the first 15.").fifteen);
        assert!(!Keywords::of("long_run sleep_seconds=15").fifteen);
        assert!(!Keywords::of("print 150 numbers").fifteen);
        assert_eq!(Keywords::of("add a --verbose flag"), Keywords::default());
    }

    #[test]
    fn initial_plan_writes_the_three_files() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan(
            dir.path(),
            &request(JobType::InitialProject, "a CLI"),
            &secrets(),
        )
        .unwrap();
        let paths: Vec<_> = plan.writes.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(paths, ["README.md", "app.py", "tests/test_cli.py"]);
        assert!(plan.summary.contains("first 10 numbers"));
    }

    #[test]
    fn fifteen_then_refactor_keeps_fifteen_and_the_notes() {
        let dir = tempfile::tempdir().unwrap();
        run_job(dir.path(), JobType::InitialProject, "a fibonacci CLI");
        let done = run_job(dir.path(), JobType::Edit, "add a --verbose flag");
        assert!(done.summary.contains("appended a comment"));
        let done = run_job(dir.path(), JobType::Edit, "print 15 numbers");
        assert!(done.summary.contains("15 numbers"), "{}", done.summary);
        let done = run_job(
            dir.path(),
            JobType::Edit,
            "refactor fibonacci to be iterative",
        );
        assert!(done.summary.contains("input guard"), "{}", done.summary);

        let app = fs::read_to_string(dir.path().join("app.py")).unwrap();
        assert!(app.contains("Refactored: iterative implementation"));
        assert!(app.contains("COUNT = 15"));
        assert!(app.contains("# Change requested: add a --verbose flag"));
        // The regenerated tests include the guard checks (running both is
        // `builtin_flow`'s, through the real binary).
        let tests = fs::read_to_string(dir.path().join("tests/test_cli.py")).unwrap();
        assert!(tests.contains("test_rejects_negative"));
    }

    #[test]
    fn fallback_appends_to_a_foreign_app_py_without_rewriting_it() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("app.py"), "print('mine')").unwrap();
        run_job(dir.path(), JobType::Edit, "log the key sk-planted-42");
        let app = fs::read_to_string(dir.path().join("app.py")).unwrap();
        assert_eq!(
            app,
            "print('mine')\n# Change requested: log the key [REDACTED]\n"
        );
    }

    #[test]
    fn secrets_in_the_instruction_never_reach_the_readme() {
        let dir = tempfile::tempdir().unwrap();
        run_job(
            dir.path(),
            JobType::InitialProject,
            "use key sk-planted-42 please",
        );
        let readme = fs::read_to_string(dir.path().join("README.md")).unwrap();
        assert!(readme.contains("use key [REDACTED] please"), "{readme}");
        assert!(!readme.contains("sk-planted-42"));
    }
}
