//! `codex-backend`: the Codex Workspace Orchestrator API (CONTRACT.md) over SQLite, with
//! mocked, process and Docker runners. Configuration: see `config.rs`.
//!
//! Entry points: [`app::run`] serves a [`config::Config`]; [`api::router`] is the whole HTTP
//! API over an [`api::AppState`] (built by [`app::state`]), which tests call in-process.

pub mod api;
pub mod app;
pub mod config;
pub mod db;
pub mod error;
pub mod instance_lock;
pub mod jobs;
pub mod listener;
pub mod migrations;
pub mod orphans;
pub mod paths;
pub mod runner;
pub mod shutdown;
pub mod workspace;

pub use api::{router, AppState};
