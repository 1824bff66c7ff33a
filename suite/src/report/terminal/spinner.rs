//! The spinner on a terminal while something runs: a scenario, or a wait for a backend's
//! health. It shows the elapsed time and, once a wait says so, the time it gives up at.

use super::console::Stream;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(super) struct Spinner {
    bar: ProgressBar,
    /// When the current wait gives up, counted from the spinner's start.
    deadline: Arc<Mutex<Option<Duration>>>,
}

impl Spinner {
    /// A spinner labelled `prefix` (already escaped) on `stream`.
    pub(super) fn start(stream: Stream, prefix: String) -> Spinner {
        let target = match stream {
            Stream::Stdout => ProgressDrawTarget::stdout(),
            Stream::Stderr => ProgressDrawTarget::stderr(),
        };
        let deadline: Arc<Mutex<Option<Duration>>> = Arc::default();
        let shown = Arc::clone(&deadline);
        let clock = move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let limit = *shown.lock().unwrap_or_else(|p| p.into_inner());
            let _ = match limit {
                Some(limit) => write!(
                    w,
                    "{} / {}",
                    whole_seconds(state.elapsed()),
                    whole_seconds(limit)
                ),
                None => write!(w, "{}", whole_seconds(state.elapsed())),
            };
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix} [{clock}] {wide_msg}")
                .expect("static template")
                .with_key("clock", clock),
        );
        bar.set_prefix(prefix);
        bar.enable_steady_tick(Duration::from_millis(120));
        Spinner { bar, deadline }
    }

    /// What the run waits for (escaped), `waited` into a wait that gives up after `limit`.
    pub(super) fn waiting(&self, what: String, waited: Duration, limit: Duration) {
        let started = self.bar.elapsed().saturating_sub(waited);
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner()) = Some(started + limit);
        self.bar.set_message(what);
    }

    /// Runs `f` (which prints) with the spinner out of the way.
    pub(super) fn suspend(&self, f: impl FnOnce()) {
        self.bar.suspend(f);
    }

    pub(super) fn clear(self) {
        self.bar.finish_and_clear();
    }
}

/// `12s`: a spinner ticks too often for tenths.
fn whole_seconds(d: Duration) -> String {
    format!("{}s", d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_reads_whole_seconds() {
        assert_eq!(whole_seconds(Duration::from_millis(300)), "0s");
        assert_eq!(whole_seconds(Duration::from_millis(12_700)), "12s");
        assert_eq!(whole_seconds(Duration::from_secs(300)), "300s");
    }
}
