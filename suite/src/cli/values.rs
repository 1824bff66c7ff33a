//! The values flags take, parsed at once: a bad one is exit 2 naming the flag and the fix.

use super::SCENARIO_IDS;
use clap::builder::{PossibleValuesParser, TypedValueParser};

/// `--from`, `--only`: a scenario id in any case, as the ladder spells it (`l03` is `L03`).
pub(super) fn scenario_id() -> impl TypedValueParser<Value = String> {
    PossibleValuesParser::new(SCENARIO_IDS).map(|id| id.to_ascii_uppercase())
}

/// `--base-url`, `--mocked-base-url`: `http(s)://host[:port]`, rejected at once (exit 2).
pub(crate) fn base_url(text: &str) -> Result<String, String> {
    crate::target::client::parse_base_url(text).map_err(|e| format!("{e:#}"))
}

/// A number of seconds, at least 1.
pub(super) fn at_least_one(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("must be at least 1 (seconds)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err("must be a whole number of seconds, at least 1".into()),
    }
}

/// `--max-body`: bytes, or a number with KiB, MiB or GiB.
pub(super) fn byte_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit {other:?}: use bytes, KiB, MiB or GiB, e.g. 16MiB"
            ))
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|&n| n >= 1024)
        .ok_or_else(|| format!("{text:?} is not a size of at least 1KiB, e.g. 16MiB"))
}
