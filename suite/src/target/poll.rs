//! Bounded polling with backoff: 20 ms doubling up to 100 ms, never past the poll timeout,
//! and a backend that stops answering fails within about `UNANSWERED` instead of the
//! (possibly ten minutes long) poll timeout. A backend that answers, but not what the wait
//! needs (a 404, a 5xx, another body), ends the wait at once with that answer.

use crate::model::events::Events;
use crate::model::outcome::Problem;
use std::time::{Duration, Instant};

pub(crate) const FIRST_DELAY: Duration = Duration::from_millis(20);
/// A job's end is seen at most this late: a longer pause adds itself to every job's time
/// beyond the worker's own, and ten looks a second are nothing to a backend on loopback.
pub(crate) const MAX_DELAY: Duration = Duration::from_millis(100);
/// How long a backend may fail every request in a row before the wait ends.
pub(crate) const UNANSWERED: Duration = Duration::from_secs(6);

/// What one look at the backend found.
pub(crate) enum Step<T> {
    /// Finished: the value, or the acceptance problem that ends the wait.
    Done(Result<T, Problem>),
    /// Not yet; says what we are still waiting for (shown on the spinner and on timeout).
    Wait(String),
}

/// Why a look gave no step.
#[derive(Debug)]
pub(crate) enum Fault {
    /// No answer (refused, reset, past its deadline): looked at again until `UNANSWERED`.
    /// An `anyhow::Error` converts to this: parse an answer with `Reply::contract`, whose
    /// `Problem` is `Answered`, never with `Reply::json`.
    Unanswered(anyhow::Error),
    /// An answer that ends the wait: a 404 or 5xx, a body that is not the contract's.
    Answered(Problem),
}

impl From<anyhow::Error> for Fault {
    fn from(e: anyhow::Error) -> Self {
        Fault::Unanswered(e)
    }
}

impl From<Problem> for Fault {
    fn from(p: Problem) -> Self {
        Fault::Answered(p)
    }
}

impl From<Fault> for Problem {
    fn from(f: Fault) -> Self {
        match f {
            Fault::Unanswered(e) => Problem::from(e),
            Fault::Answered(p) => p,
        }
    }
}

/// The delays between looks.
pub(crate) struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: FIRST_DELAY }
    }
}

impl Iterator for Backoff {
    type Item = Duration;
    fn next(&mut self) -> Option<Duration> {
        let now = self.next;
        self.next = (self.next * 2).min(MAX_DELAY);
        Some(now)
    }
}

/// Calls `look` until it is done, an answer ends the wait (`Fault::Answered`), the timeout
/// passes, or every request has failed for `UNANSWERED` (`Fault::Unanswered`).
pub(crate) fn until<T>(
    what: &str,
    timeout: Duration,
    events: &Events,
    look: impl FnMut() -> Result<Step<T>, Fault>,
) -> Result<T, Problem> {
    until_answered_within(what, timeout, UNANSWERED, events, look)
}

/// `until` with `unanswered` instead of `UNANSWERED` (its test waits out a shorter one).
fn until_answered_within<T>(
    what: &str,
    timeout: Duration,
    unanswered: Duration,
    events: &Events,
    mut look: impl FnMut() -> Result<Step<T>, Fault>,
) -> Result<T, Problem> {
    let start = Instant::now();
    let mut last_answer = Instant::now();
    let mut state = format!("waiting for {what}");
    for delay in Backoff::default() {
        if let Some(i) = crate::sys::interrupt::requested() {
            return Err(Problem::error(format!(
                "interrupted by {} while waiting for {what}",
                i.name()
            )));
        }
        match look() {
            Ok(Step::Done(done)) => return done,
            Ok(Step::Wait(why)) => {
                last_answer = Instant::now();
                state = why;
            }
            Err(Fault::Answered(problem)) => return Err(problem),
            Err(Fault::Unanswered(e)) => {
                if last_answer.elapsed() >= unanswered {
                    return Err(Problem::error(format!(
                        "the backend stopped answering for {}s while waiting for {what}: {e:#}",
                        last_answer.elapsed().as_secs()
                    ))
                    .suspect("the backend process or container crashed, hung or was stopped")
                    .look("logs.txt in this folder (backend output), then the stack's status"));
                }
                state = format!("no answer ({e:#})");
            }
        }
        events.waiting(&state, start.elapsed(), timeout);
        let left = timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(Problem::error(format!(
                "timed out after {}s waiting for {what}; last seen: {state}",
                timeout.as_secs()
            ))
            .suspect("the job hangs or is slower than --poll-timeout allows")
            .look("logs.txt in this folder; raise --poll-timeout if the job is just slow"));
        }
        std::thread::sleep(delay.min(left));
    }
    unreachable!("Backoff never ends")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_20ms_and_caps_at_100ms() {
        let d: Vec<u128> = Backoff::default().take(8).map(|d| d.as_millis()).collect();
        assert_eq!(d, [20, 40, 80, 100, 100, 100, 100, 100]);
    }

    #[test]
    fn times_out_with_the_last_state() {
        let p = Events::silent();
        let start = Instant::now();
        let err = until::<()>("the result", Duration::from_millis(150), &p, || {
            Ok(Step::Wait("job is queued".into()))
        })
        .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(
            err.reason.contains("timed out") && err.reason.contains("job is queued"),
            "{}",
            err.reason
        );
        assert_eq!(err.kind, crate::model::outcome::Kind::Error);
    }

    #[test]
    fn returns_the_value_once_done() {
        let p = Events::silent();
        let mut n = 0;
        let v = until("n", Duration::from_secs(5), &p, || {
            n += 1;
            Ok(if n < 3 {
                Step::Wait("not yet".into())
            } else {
                Step::Done(Ok(n))
            })
        })
        .unwrap();
        assert_eq!(v, 3);
    }

    #[test]
    fn a_backend_that_stops_answering_fails_once_it_was_silent_long_enough() {
        // `UNANSWERED` (6 s) in the suite; the rule is the same with a shorter silence.
        let unanswered = Duration::from_millis(600);
        let p = Events::silent();
        let start = Instant::now();
        let err = until_answered_within::<()>(
            "the result",
            Duration::from_secs(300),
            unanswered,
            &p,
            || Err(anyhow::anyhow!("connection refused").into()),
        )
        .unwrap_err();
        let took = start.elapsed();
        assert!(
            took >= unanswered && took < unanswered + Duration::from_secs(4),
            "{took:?}"
        );
        assert!(err.reason.contains("stopped answering"), "{}", err.reason);
    }

    #[test]
    fn an_answer_that_ends_the_wait_ends_it_at_once() {
        let p = Events::silent();
        let start = Instant::now();
        let err = until::<()>("the result", Duration::from_secs(300), &p, || {
            Err(Problem::fail("GET /x answered HTTP 404: gone").into())
        })
        .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert_eq!(err.reason, "GET /x answered HTTP 404: gone");
    }

    #[test]
    fn a_hung_backend_fails_within_about_ten_seconds_as_the_readme_says() {
        // The last answered request, then failed ones until `UNANSWERED`, the last of which
        // may wait out a whole short deadline.
        let worst = UNANSWERED + crate::target::client::SHORT_DEADLINE;
        assert!(worst <= Duration::from_secs(10), "{worst:?}");
    }
}
