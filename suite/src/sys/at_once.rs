//! Independent steps that wait on the network or on another process run at once, each in a
//! scoped thread: the start-up probes, the health waits of two targets, the screenshot
//! beside the other reports. A step that panics panics the caller, as if it had run there.

use std::thread::ScopedJoinHandle;

/// `a` and `b` at once (`a` in a scoped thread, `b` here); both results once both ended.
pub(crate) fn both<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|s| {
        let a = s.spawn(a);
        let b = b();
        (joined(a), b)
    })
}

/// `f` of every item at once, one scoped thread each; the results in the items' order.
pub(crate) fn each<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    std::thread::scope(|s| {
        let f = &f;
        let started: Vec<_> = items.iter().map(|item| s.spawn(move || f(item))).collect();
        started.into_iter().map(joined).collect()
    })
}

/// The result of a step started in a scope; its panic goes on in the caller.
pub(crate) fn joined<R>(handle: ScopedJoinHandle<'_, R>) -> R {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    #[test]
    fn each_runs_every_item_at_once_and_keeps_their_order() {
        // Every item waits for all the others: this ends only if they run at once.
        let barrier = Barrier::new(3);
        let got = each(&[1, 2, 3], |n| {
            barrier.wait();
            n * 10
        });
        assert_eq!(got, [10, 20, 30]);
        assert!(each(&[] as &[u8], |n| *n).is_empty());
    }

    #[test]
    fn both_runs_its_two_steps_at_once() {
        let barrier = Barrier::new(2);
        let (a, b) = both(
            || {
                barrier.wait();
                "a"
            },
            || {
                barrier.wait();
                "b"
            },
        );
        assert_eq!((a, b), ("a", "b"));
    }

    #[test]
    #[should_panic(expected = "a step panicked")]
    fn a_panic_in_a_step_reaches_the_caller() {
        each(&[1], |_| -> u8 { panic!("a step panicked") });
    }
}
