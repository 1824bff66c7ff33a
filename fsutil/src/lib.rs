//! File-system helpers shared by the backend and the worker. `codex-contract` holds only
//! types and does no I/O (an architecture invariant), so the one atomic write both sides use
//! lives here.

pub mod atomic;

pub use atomic::{stage, write, Staged};
