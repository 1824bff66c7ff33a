//! Background jobs: the per-project FIFO queue and the completion rule.

pub mod outcome;
pub mod queue;

pub use queue::Scheduler;
