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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

type Hook = Box<dyn FnMut() + Send>;

static HOOKS: Mutex<Vec<(u64, Hook)>> = Mutex::new(Vec::new());
static NEXT: Mutex<u64> = Mutex::new(0);
static REQUESTED: OnceLock<Interrupt> = OnceLock::new();
/// A run skeleton is active: a signal waits for its partial report (else it exits after
/// the teardown).
/// The teardown hooks ran (or run now): a later `register` runs its hook at once.
static TORN_DOWN: AtomicBool = AtomicBool::new(false);
static RUN_ACTIVE: AtomicBool = AtomicBool::new(false);
/// (teardown done, report written), with a condvar for the thread that exits.
static PROGRESS: Mutex<(bool, bool)> = Mutex::new((false, false));
static CHANGED: Condvar = Condvar::new();
/// Where the handler's messages go: set once by [`install`].
static SAY: OnceLock<fn(&str)> = OnceLock::new();

fn say(msg: &str) {
    if let Some(say) = SAY.get() {
        say(msg);
    }
}

/// How long after the signal the watchdog waits for the partial report (the README
/// promises it within 3 s).
pub const REPORT_DEADLINE: Duration = Duration::from_millis(2800);

/// The signal that ended the run, and when it came.
#[derive(Debug, Clone, Copy)]
pub struct Interrupt {
    pub signal: i32,
    pub at: Instant,
}

impl Interrupt {
    /// `SIGINT`, `SIGTERM` or `SIGHUP`.
    pub fn name(&self) -> &'static str {
        signal_name(self.signal)
    }

    /// What the shell expects: 128 + the signal number (130, 143, 129).
    pub fn exit_code(&self) -> i32 {
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
pub fn install(say_with: fn(&str)) {
    let _ = SAY.set(say_with);
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
            if REQUESTED.set(first).is_err() {
                // A second signal: the user does not want to wait for the teardown.
                say(&format!(
                    "{}: exiting without waiting for the teardown; a process stack's backend dies \
                     with the suite, a compose stack's containers, network and volumes are left \
                     with its project's labels",
                    signal_name(signal)
                ));
                std::process::exit(128 + signal);
            }
            say(&format!(
                "interrupted by {}: stopping what this run started (send it again to exit at once)",
                first.name()
            ));
            std::thread::spawn(|| {
                run_all();
                update(|p| p.0 = true);
            });
            std::thread::spawn(move || watchdog(first));
        }
    });
}

/// Exits once the teardown is done and the report written (or its deadline passed).
fn watchdog(i: Interrupt) -> ! {
    let mut p = PROGRESS.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        let (torn_down, reported) = *p;
        let late = i.at.elapsed() >= REPORT_DEADLINE;
        if torn_down && (reported || late || !RUN_ACTIVE.load(Ordering::SeqCst)) {
            if !reported && RUN_ACTIVE.load(Ordering::SeqCst) {
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
        p = CHANGED
            .wait_timeout(p, wait)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

fn update(f: impl FnOnce(&mut (bool, bool))) {
    let mut p = PROGRESS.lock().unwrap_or_else(|p| p.into_inner());
    f(&mut p);
    CHANGED.notify_all();
}

/// The signal that interrupted the run, once one came.
pub fn requested() -> Option<Interrupt> {
    REQUESTED.get().copied()
}

/// The reason of a scenario that did not start because of the signal.
pub fn not_run() -> Option<String> {
    requested().map(|_| "not run: the run was interrupted".to_owned())
}

/// A run skeleton begins: a signal from now on waits for its partial report.
pub fn run_begins() {
    RUN_ACTIVE.store(true, Ordering::SeqCst);
}

/// The partial report is written: exits with the signal's code once the teardown is done
/// (the watchdog thread does; this thread waits for it).
pub fn conclude(i: Interrupt) -> ! {
    update(|p| p.1 = true);
    // The watchdog exits the process; should it never run, exit here after a long grace.
    std::thread::sleep(Duration::from_secs(120));
    std::process::exit(i.exit_code());
}

/// Registers a cleanup; returns its id for `unregister`. Registered after the teardown
/// ran (a backend restarted while the signal came, e.g. during the rollback), it runs at
/// once: nothing started after a signal outlives the run.
pub fn register(mut hook: impl FnMut() + Send + 'static) -> u64 {
    let mut next = NEXT.lock().unwrap_or_else(|p| p.into_inner());
    *next += 1;
    let mut hooks = HOOKS.lock().unwrap_or_else(|p| p.into_inner());
    if TORN_DOWN.load(Ordering::SeqCst) {
        drop(hooks);
        hook();
    } else {
        hooks.push((*next, Box::new(hook)));
    }
    *next
}

pub fn unregister(id: u64) {
    HOOKS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|(i, _)| *i != id);
}

fn run_all() {
    let mut hooks = HOOKS.lock().unwrap_or_else(|p| p.into_inner());
    TORN_DOWN.store(true, Ordering::SeqCst);
    for (_, hook) in hooks.iter_mut() {
        hook();
    }
    hooks.clear();
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
