//! The settle grace: how a stale judgement of `judge` becomes final.

use super::Judgement;
use std::time::Duration;

/// A look's judgement once the settle grace is counted in.
#[derive(Debug, PartialEq)]
pub(crate) enum Settled {
    /// Look again: why.
    Wait(String),
    /// This job's result; `late`: how long looks judged it stale first.
    Fresh {
        unproven: Option<String>,
        late: Option<Duration>,
    },
    /// Stale for the whole grace: why.
    Stale(String),
}

/// `stale_for`: how long looks have judged the result stale in a row (`None`: this look is
/// not stale and none before it was). A stale result is looked at again until `grace` has
/// passed (an asynchronous backend may set the final status just before the result lands),
/// then judged as `judge` did; a fresh one after a stale phase says how late it came.
pub(crate) fn settle(judged: Judgement, stale_for: Option<Duration>, grace: Duration) -> Settled {
    match judged {
        Judgement::Pending(why) => Settled::Wait(why),
        Judgement::Stale(why) if stale_for.unwrap_or_default() >= grace => Settled::Stale(why),
        Judgement::Stale(why) => Settled::Wait(format!(
            "{why} (looking again for up to {} s: --settle-grace)",
            grace.as_secs_f64()
        )),
        Judgement::Fresh => Settled::Fresh {
            unproven: None,
            late: stale_for,
        },
        Judgement::Unprovable(why) => Settled::Fresh {
            unproven: Some(why),
            late: stale_for,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(2);

    #[test]
    fn a_stale_result_is_looked_at_again_within_the_grace_then_judged_as_before() {
        let stale = || Judgement::Stale("the job ended with status completed and no result".into());
        let Settled::Wait(why) = settle(stale(), Some(Duration::ZERO), GRACE) else {
            panic!()
        };
        assert!(why.starts_with("the job ended with status completed and no result (looking again"));
        assert!(matches!(
            settle(stale(), Some(Duration::from_millis(1999)), GRACE),
            Settled::Wait(_)
        ));
        assert_eq!(
            settle(stale(), Some(GRACE), GRACE),
            Settled::Stale("the job ended with status completed and no result".into())
        );
        // Without a grace the first stale look is final, as `judge` said.
        assert_eq!(
            settle(stale(), Some(Duration::ZERO), Duration::ZERO),
            Settled::Stale("the job ended with status completed and no result".into())
        );
    }

    #[test]
    fn a_result_within_the_grace_is_fresh_and_says_how_late_it_came() {
        let late = Some(Duration::from_millis(500));
        assert_eq!(
            settle(Judgement::Fresh, late, GRACE),
            Settled::Fresh {
                unproven: None,
                late
            }
        );
        assert_eq!(
            settle(Judgement::Fresh, None, GRACE),
            Settled::Fresh {
                unproven: None,
                late: None
            }
        );
        assert_eq!(
            settle(Judgement::Unprovable("fixed".into()), None, GRACE),
            Settled::Fresh {
                unproven: Some("fixed".into()),
                late: None
            }
        );
        assert_eq!(
            settle(Judgement::Pending("job queued".into()), None, GRACE),
            Settled::Wait("job queued".into())
        );
    }
}
