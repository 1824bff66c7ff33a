//! The engines that change a workspace for a job: the built-in deterministic templates (the
//! default) or an external agent command (`CODEX_AGENT_CMD`, e.g. `codex exec`).

pub mod agent;
pub mod builtin;
pub mod python_project;

use crate::secrets::Secrets;
use codex_contract::WorkerRequest;
use std::path::Path;

#[derive(Debug, Clone)]
pub enum Engine {
    Builtin,
    Agent(agent::AgentConfig),
}

/// A job the engine finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub summary: String,
    /// Extra `name=value` lines for the result's `logs` (never a secret).
    pub logs: Vec<String>,
}

/// A job the engine could not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `slug: cause and fix`, the first entry of the result's `errors`.
    pub error: String,
    pub logs: Vec<String>,
}

impl Engine {
    /// `builtin` or `agent`, as the `engine=` log line says.
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Builtin => "builtin",
            Engine::Agent(_) => "agent",
        }
    }

    pub fn run(
        &self,
        workspace: &Path,
        request: &WorkerRequest,
        secrets: &Secrets,
    ) -> Result<Done, Failure> {
        match self {
            Engine::Builtin => builtin::run(workspace, request, secrets).map_err(|e| Failure {
                error: format!("builtin_failed: {e:#}"),
                logs: Vec::new(),
            }),
            Engine::Agent(config) => agent::run(config, workspace, request, secrets),
        }
    }
}
