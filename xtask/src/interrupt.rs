//! Ctrl-C: whatever a stack started is cleaned up before the xtask exits (children never
//! outlive it). Stacks register a cleanup while they run and remove it on shutdown.

use std::sync::Mutex;

type Hook = Box<dyn FnMut() + Send>;

static HOOKS: Mutex<Vec<(u64, Hook)>> = Mutex::new(Vec::new());
static NEXT: Mutex<u64> = Mutex::new(0);

/// Installs the Ctrl-C / SIGTERM handler once: runs every hook, then exits with 130.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        eprintln!("interrupted: stopping what this run started");
        run_all();
        std::process::exit(130);
    });
}

/// Registers a cleanup; returns its id for `unregister`.
pub fn register(hook: impl FnMut() + Send + 'static) -> u64 {
    let mut next = NEXT.lock().unwrap_or_else(|p| p.into_inner());
    *next += 1;
    HOOKS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((*next, Box::new(hook)));
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
    for (_, hook) in hooks.iter_mut() {
        hook();
    }
    hooks.clear();
}
