//! The target as the suite sees it over HTTP: the bounded, redacting client (`client`), the
//! OpenAPI check of its answers (`conformance`), the health probe and wait (`health`), a
//! backend someone else runs checked before any scenario (`preflight`), polling with
//! back-off (`poll`), whether a result is this job's (`freshness`) and what the target
//! offers (`target_profile`).

pub(crate) mod client;
pub(crate) mod conformance;
pub(crate) mod freshness;
pub(crate) mod health;
pub(crate) mod poll;
pub(crate) mod preflight;
pub(crate) mod target_profile;
