//! The worker's one integration-test binary: each module runs the real `codex-worker`
//! binary on a temporary workspace (`workspace::Workspace`).

mod workspace;

mod agent_engine;
mod bad_input;
mod builtin_flow;
mod late_result;
