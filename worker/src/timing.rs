//! How long a job must take at least (the long-running scenario, L08 in the plan):
//! `SLEEP_SECONDS` for every job; an instruction containing `long_run` takes the seconds of
//! a `sleep_seconds=N` inside it, else `SLEEP_SECONDS`, else 10.

use crate::config::parse_seconds;
use std::time::{Duration, Instant};

pub const DEFAULT_LONG_RUN: Duration = Duration::from_secs(10);

/// The minimum duration of a job with this instruction, given `SLEEP_SECONDS`.
pub fn min_duration(instruction: &str, sleep_env: Option<Duration>) -> Duration {
    let lower = instruction.to_lowercase();
    if lower.contains("long_run") {
        sleep_seconds_hint(&lower)
            .or(sleep_env)
            .unwrap_or(DEFAULT_LONG_RUN)
    } else {
        sleep_env.unwrap_or(Duration::ZERO)
    }
}

/// The first `sleep_seconds=N` (or `sleep_seconds = N`) with a valid number N.
fn sleep_seconds_hint(lower: &str) -> Option<Duration> {
    const KEY: &str = "sleep_seconds";
    lower.match_indices(KEY).find_map(|(at, _)| {
        let rest = lower[at + KEY.len()..].trim_start().strip_prefix('=')?;
        let rest = rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        parse_seconds(rest[..end].trim_end_matches('.'))
    })
}

/// Sleeps until `min` has passed since `started` (no-op when it already has).
pub fn wait_until_elapsed(started: Instant, min: Duration) {
    if let Some(left) = min.checked_sub(started.elapsed()) {
        std::thread::sleep(left);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn ordinary_jobs_take_sleep_seconds_or_nothing() {
        assert_eq!(min_duration("add a flag", None), Duration::ZERO);
        assert_eq!(min_duration("add a flag", Some(S(4))), S(4));
        // A sleep_seconds hint without long_run does not count.
        assert_eq!(min_duration("sleep_seconds=7", None), Duration::ZERO);
    }

    #[test]
    fn long_run_takes_the_hint_then_env_then_ten() {
        assert_eq!(min_duration("long_run sleep_seconds=1", Some(S(9))), S(1));
        assert_eq!(
            min_duration("LONG_RUN please, Sleep_Seconds = 3.", None),
            S(3)
        );
        assert_eq!(
            min_duration("long_run sleep_seconds=0.5", None),
            Duration::from_millis(500)
        );
        assert_eq!(min_duration("long_run", Some(S(2))), S(2));
        assert_eq!(min_duration("long_run", None), S(10));
        assert_eq!(min_duration("long_run sleep_seconds=abc", None), S(10));
    }

    #[test]
    fn waits_only_for_what_is_left() {
        let started = Instant::now();
        wait_until_elapsed(started, Duration::from_millis(30));
        assert!(started.elapsed() >= Duration::from_millis(30));
        // A job that already ran longer than the minimum does not sleep at all.
        let Some(long_ago) = Instant::now().checked_sub(S(20)) else {
            return; // the monotonic clock started less than 20 s ago
        };
        let before = Instant::now();
        wait_until_elapsed(long_ago, S(10));
        assert!(before.elapsed() < S(5));
    }
}
