//! SIGINT, SIGTERM and SIGHUP: one path for every way a run can be asked to stop.
//!
//! On the first signal the handler thread records it (`requested`), starts the teardown
//! hooks the stacks registered on their own thread (killing the backend makes in-flight
//! requests fail fast) and arms a watchdog. The ladder checks `requested` between steps and
//! polls and returns; the run skeleton (`commands/run.rs`) then emits `RunInterrupted`,
//! lets every reporter write the partial report and calls `conclude`. The process exits
//! with 128 + the signal number once the teardown is done and the report is written, or
//! when the watchdog's deadline passes without a report. A second signal exits at once.
//!
//! Architecture invariant: this is the only module that handles signals or ends the
//! process from a thread other than `main`. It prints nothing itself: its few messages go
//! through the `say` function `main` installs (main owns stderr).

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

type Hook = Box<dyn FnMut() + Send>;

/// Everything the handler, the watchdog and the run share, behind one lock.
struct State {
    /// Where the handler's messages go: set by [`install`].
    say: Option<fn(&str)>,
    /// The first signal, once one came.
    requested: Option<Interrupt>,
    /// Teardown hooks of what the stacks started, with their ids.
    hooks: Vec<(u64, Hook)>,
    next_id: u64,
    /// A run skeleton is active: a signal waits for its partial report (else it exits
    /// after the teardown).
    run_active: bool,
    /// The teardown began: a later `register` runs its hook at once.
    tearing_down: bool,
    /// The teardown hooks have all returned.
    torn_down: bool,
    /// The partial report is written.
    reported: bool,
}

/// The shared state and the condition variable that announces its changes.
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

static SHARED: Shared = Shared {
    state: Mutex::new(State {
        say: None,
        requested: None,
        hooks: Vec::new(),
        next_id: 0,
        run_active: false,
        tearing_down: false,
        torn_down: false,
        reported: false,
    }),
    changed: Condvar::new(),
};

/// The state, also after a thread panicked while holding it (every field stays valid).
fn state() -> MutexGuard<'static, State> {
    SHARED.state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Changes the state and wakes every thread that waits for a change.
fn update(f: impl FnOnce(&mut State)) {
    f(&mut state());
    SHARED.changed.notify_all();
}

fn say(msg: &str) {
    let say = state().say;
    if let Some(say) = say {
        say(msg);
    }
}

/// How long after the signal the watchdog waits for the partial report (the README
/// promises it within 3 s).
pub(crate) const REPORT_DEADLINE: Duration = Duration::from_millis(2800);

/// The signal that ended the run, and when it came.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Interrupt {
    pub signal: i32,
    pub at: Instant,
}

impl Interrupt {
    /// `SIGINT`, `SIGTERM` or `SIGHUP`.
    pub(crate) fn name(&self) -> &'static str {
        signal_name(self.signal)
    }

    /// What the shell expects: 128 + the signal number (130, 143, 129).
    pub(crate) fn exit_code(&self) -> i32 {
        128 + self.signal
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// Installs the handler thread once; `say` shows the handler's messages to the user.
pub(crate) fn install(say_with: fn(&str)) {
    state().say = Some(say_with);
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) {
        Ok(s) => s,
        Err(e) => {
            say(&format!("warning: cannot handle SIGINT/SIGTERM/SIGHUP ({e}); a signal will leave the stack running"));
            return;
        }
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let first = Interrupt {
                signal,
                at: Instant::now(),
            };
            let second = {
                let mut s = state();
                let second = s.requested.is_some();
                s.requested.get_or_insert(first);
                second
            };
            if second {
                // A second signal: the user does not want to wait for the teardown.
                say(&format!(
                    "{}: exiting without waiting for the teardown; the run's reaper removes what \
                     it started",
                    signal_name(signal)
                ));
                std::process::exit(128 + signal);
            }
            say(&format!(
                "interrupted by {}: stopping what this run started (send it again to exit at once)",
                first.name()
            ));
            std::thread::spawn(run_all);
            std::thread::spawn(move || watchdog(first));
        }
    });
}

/// Exits once the teardown is done and the report written (or its deadline passed).
fn watchdog(i: Interrupt) -> ! {
    let mut s = state();
    loop {
        let late = i.at.elapsed() >= REPORT_DEADLINE;
        if s.torn_down && (s.reported || late || !s.run_active) {
            let unreported = !s.reported && s.run_active;
            drop(s);
            if unreported {
                say(&format!(
                    "interrupted: the partial report was not written within {:.1}s; exiting",
                    REPORT_DEADLINE.as_secs_f64()
                ));
            }
            std::process::exit(i.exit_code());
        }
        let wait = REPORT_DEADLINE
            .saturating_sub(i.at.elapsed())
            .max(Duration::from_millis(50));
        s = SHARED
            .changed
            .wait_timeout(s, wait)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

/// The signal that interrupted the run, once one came.
pub(crate) fn requested() -> Option<Interrupt> {
    state().requested
}

/// The reason of a scenario that did not start because of the signal.
pub(crate) fn not_run() -> Option<String> {
    requested().map(|_| "not run: the run was interrupted".to_owned())
}

/// A run skeleton begins: a signal from now on waits for its partial report.
pub(crate) fn run_begins() {
    update(|s| s.run_active = true);
}

/// The partial report is written: exits with the signal's code once the teardown is done
/// (the watchdog thread does; this thread waits for it).
pub(crate) fn conclude(i: Interrupt) -> ! {
    update(|s| s.reported = true);
    // The watchdog exits the process; should it never run, exit here after a long grace.
    std::thread::sleep(Duration::from_secs(120));
    std::process::exit(i.exit_code());
}

/// Registers a cleanup; returns its id for `unregister`. Registered after the teardown
/// began (a backend restarted while the signal came, e.g. during the rollback), it runs at
/// once: nothing started after a signal outlives the run.
pub(crate) fn register(mut hook: impl FnMut() + Send + 'static) -> u64 {
    let mut s = state();
    s.next_id += 1;
    let id = s.next_id;
    if s.tearing_down {
        drop(s);
        hook();
    } else {
        s.hooks.push((id, Box::new(hook)));
    }
    id
}

/// Removes a cleanup that is no longer needed. When the signal's teardown already took it,
/// waits until that teardown is done: the caller's own teardown then finds it finished.
pub(crate) fn unregister(id: u64) {
    if withdraw(id) {
        return;
    }
    let mut s = state();
    while s.tearing_down && !s.torn_down {
        s = SHARED.changed.wait(s).unwrap_or_else(|p| p.into_inner());
    }
}

/// Removes a cleanup unless the signal's teardown took it, without waiting for that
/// teardown; whether it was removed.
fn withdraw(id: u64) -> bool {
    let mut s = state();
    let before = s.hooks.len();
    s.hooks.retain(|(i, _)| *i != id);
    s.hooks.len() < before
}

/// Runs every registered hook, outside the lock: the run keeps reading the state (e.g.
/// `requested`) while the stacks are torn down.
fn run_all() {
    let mut hooks = {
        let mut s = state();
        s.tearing_down = true;
        std::mem::take(&mut s.hooks)
    };
    // The newest first, as destructors run: a command started within a stack (a compose
    // `up`) is stopped before the stack's own teardown waits for it.
    for (_, hook) in hooks.iter_mut().rev() {
        hook();
    }
    update(|s| s.torn_down = true);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        let code = |signal| Interrupt {
            signal,
            at: Instant::now(),
        };
        assert_eq!(code(SIGINT).exit_code(), 130);
        assert_eq!(code(SIGTERM).exit_code(), 143);
        assert_eq!(code(SIGHUP).exit_code(), 129);
        assert_eq!(code(SIGHUP).name(), "SIGHUP");
    }
}
