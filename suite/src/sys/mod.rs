//! The lowest layer: what the operating system offers, shaped for the suite. Scoped threads
//! for steps that wait at once (`at_once`), the one reader of files read back
//! (`bounded_read`), grouped and timed child processes (`process`), the signal handling
//! (`interrupt`) and the run's journal of what it started (`journal`). Imports nothing of
//! the crate above it.

pub(crate) mod at_once;
pub(crate) mod bounded_read;
pub(crate) mod interrupt;
pub(crate) mod journal;
pub(crate) mod process;
