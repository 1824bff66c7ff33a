//! The bench table: one block per target, a row per measure.

use super::*;

fn fmt_stats(s: Option<Stats>) -> String {
    s.map_or("-".into(), |s| {
        format!("{:.2} / {:.2} / {:.2}", s.min, s.median, s.max)
    })
}

/// The table: one block per target, a row per measure (min / median / max seconds).
pub(super) fn render(r: &Report) -> String {
    let mut out = format!(
        "cargo xtask bench: {} run(s) per target, interleaved, --long-run-seconds {} \
         (0 against the sync double; load average at the end: {})\n",
        r.runs,
        r.long_run_seconds,
        r.load_average.as_deref().unwrap_or("unknown")
    );
    if r.no_screenshot {
        out += "--no-screenshot: the runs took no report.png (CHROMIUM=false)\n";
    }
    for t in &r.targets {
        let failed = t.samples.iter().filter(|s| s.exit_code != 0).count();
        out += &format!(
            "\n{}{}\n  {:<10} {}\n",
            t.name,
            if failed > 0 {
                format!(" ({failed} run(s) did not pass: timings still shown)")
            } else {
                String::new()
            },
            "seconds",
            "min / median / max"
        );
        out += &format!("  {:<10} {}\n", "wall", fmt_stats(t.wall));
        out += &format!("  {:<10} {}\n", "overhead", fmt_stats(t.overhead));
        let busy: Vec<f64> = t.samples.iter().filter_map(|s| s.target_busy).collect();
        if !busy.is_empty() {
            out += &format!("  {:<10} {}\n", "busy", fmt_stats(Stats::of(&busy)));
        }
        for (name, s) in &t.phases {
            out += &format!("  {name:<10} {}\n", fmt_stats(*s));
        }
    }
    if !r.image_bytes.is_empty() {
        out += "\nimages (FROM scratch: the static binary is the only layer)\n";
        for (name, bytes) in &r.image_bytes {
            out += &format!("  {name:<14} {:.1} MB\n", *bytes as f64 / 1e6);
        }
    }
    if let Some(f) = r.worker_container_floor {
        out += &format!(
            "\nworker container floor (docker run --rm, no job): {}\n",
            fmt_stats(Some(f))
        );
    }
    if let Some((cli, f)) = &r.compose_cli_floor {
        out += &format!(
            "compose CLI floor ({cli}, `version`, paid by each up/down): {}\n",
            fmt_stats(Some(*f))
        );
    }
    if let Some(f) = r.screenshot_floor {
        out += &format!(
            "\nscreenshot floor (the browser call rendering a run's report.html into \
             report.png; a run makes one more first, which measures the page): {}\n",
            fmt_stats(Some(f))
        );
    }
    if !r.cold_build.is_empty() {
        out += "\n--cold: clean builds in a temporary target folder\n";
        for c in &r.cold_build {
            let tree = if c.baseline { " (baseline)" } else { "" };
            let what = format!("{}{tree}", c.what);
            out += &format!("  {what:<55} {:>6.1}s\n", c.seconds);
        }
    }
    out += "\n";
    for line in goals::lines(&r.goals.this, r.goals.baseline.as_ref()) {
        out += &line;
        out += "\n";
    }
    out
}
