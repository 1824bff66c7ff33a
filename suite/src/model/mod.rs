//! What a run is made of, for every layer above: verdicts and outcomes (`outcome`), the
//! events a run emits and their fan-out (`events`), durations as seconds (`seconds`) and
//! the secrets with their redactor (`secrets`).

pub(crate) mod comparison;
pub(crate) mod escape;
pub(crate) mod events;
pub(crate) mod exit;
pub(crate) mod outcome;
pub(crate) mod seconds;
pub(crate) mod secrets;
