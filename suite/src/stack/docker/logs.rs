//! `docker logs --timestamps` of the backend container, read apart from its streams and
//! merged in time order, and the cursor that hands out only what is new.

use crate::sys::bounded_read::{logs_after_cut, LOGS_LIMIT};
use anyhow::{bail, Context, Result};

/// The backend's output read so far: `docker logs --timestamps` of its container, both
/// streams merged in time order, and the last timestamp seen (for `--since`).
#[derive(Default)]
pub(crate) struct LogCursor {
    container: Option<String>,
    last: Option<String>,
    /// Output of a container that was replaced (rollback) and not yet taken.
    pending: String,
}

impl LogCursor {
    /// Output of the current container since the last call.
    pub(crate) fn take_new(&mut self) -> Result<String> {
        let Some(id) = self.container.clone() else {
            return Ok(String::new());
        };
        let logs = read_logs(&id, self.last.as_deref())?;
        let fresh: Vec<&LogLine> = logs
            .lines
            .iter()
            .filter(|l| self.last.as_ref().is_none_or(|last| l.key > *last))
            .collect();
        if let Some(l) = fresh.last() {
            self.last = Some(l.key.clone());
        }
        let text: String = fresh.iter().map(|l| format!("{}\n", l.text)).collect();
        Ok(last_part(text, LOGS_LIMIT as usize))
    }

    /// The container is about to be replaced (`--force-recreate`): keep what it said.
    pub(crate) fn container_replaced(&mut self) -> Result<()> {
        if self.container.is_some() {
            let old = self.take_new()?;
            self.pending.push_str(&old);
            self.container = None;
            self.last = None;
        }
        Ok(())
    }

    /// Follows `container` from now on.
    pub(crate) fn follow(&mut self, container: String) {
        self.container = Some(container);
    }

    /// Everything not taken yet: a replaced container's output, then the current one's.
    pub(crate) fn take(&mut self) -> Result<String> {
        let mut text = std::mem::take(&mut self.pending);
        text.push_str(&self.take_new()?);
        Ok(text)
    }
}

/// One line of `docker logs --timestamps`; `key` orders lines (fixed-width timestamp).
struct LogLine {
    key: String,
    text: String,
}

pub(crate) struct Logs {
    lines: Vec<LogLine>,
}

impl Logs {
    pub(crate) fn text(&self) -> String {
        self.lines.iter().map(|l| format!("{}\n", l.text)).collect()
    }
}

/// `docker logs --timestamps [--since]` of a container, stdout and stderr read apart and
/// merged by timestamp (one pipe for both would interleave them arbitrarily).
pub(crate) fn read_logs(container: &str, since: Option<&str>) -> Result<Logs> {
    let mut args = vec!["logs", "--timestamps"];
    if let Some(s) = since {
        args.extend(["--since", s]);
    }
    args.push(container);
    let sh = xshell::Shell::new()?;
    let out = xshell::cmd!(sh, "docker {args...}")
        .quiet()
        .ignore_status()
        .output()
        .context("running docker logs")?;
    if !out.status.success() {
        bail!(
            "docker logs {container} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mut lines: Vec<LogLine> = [&out.stdout, &out.stderr]
        .iter()
        .flat_map(|b| {
            String::from_utf8_lossy(b)
                .lines()
                .map(parse_line)
                .collect::<Vec<_>>()
        })
        .collect();
    lines.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Logs { lines })
}

/// `text`, or past `limit` bytes its last part (from a line start) with a line that says so.
fn last_part(text: String, limit: usize) -> String {
    if text.len() <= limit {
        return text;
    }
    let cut = text.len() - limit;
    // A newline is one byte in UTF-8: the byte after it starts a character.
    let newline = text.as_bytes()[cut..].iter().position(|b| *b == b'\n');
    let start = newline.map_or(text.len(), |i| cut + i + 1);
    logs_after_cut(start as u64, &text[start..])
}

/// `2026-11-25T11:20:01.123456789Z message` → key (timestamp with 9 fraction digits, so
/// that keys sort as times) and the whole line.
fn parse_line(line: &str) -> LogLine {
    let stamp = line.split(' ').next().unwrap_or("");
    let key = match stamp.strip_suffix('Z').and_then(|s| s.split_once('.')) {
        Some((secs, frac)) => format!("{secs}.{frac:0<9}Z"),
        None => stamp.to_owned(),
    };
    // The text without docker's stamp: the backend stamps its own lines.
    let text = line.split_once(' ').map_or("", |(_, rest)| rest).to_owned();
    LogLine { key, text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_only_the_last_whole_lines_are_kept() {
        assert_eq!(last_part("a\nb\n".into(), 10), "a\nb\n");
        assert_eq!(
            last_part("first line\nsecond\nend\n".into(), 9),
            "[18 earlier bytes of the backend's output not kept]\nend\n"
        );
        // The cut falls inside a character: the kept part starts at the next line.
        assert_eq!(
            last_part("ééé\nok\n".into(), 4),
            "[7 earlier bytes of the backend's output not kept]\nok\n"
        );
    }

    #[test]
    fn log_keys_sort_as_times_whatever_the_fraction_width() {
        let a = parse_line("2026-11-25T11:20:01.1234Z first");
        let b = parse_line("2026-11-25T11:20:01.123456789Z second");
        // .1234 is before .123456789 (compared raw, "1234Z" would sort after "123456789Z").
        assert!(a.key < b.key, "{} vs {}", a.key, b.key);
        assert_eq!(a.text, "first");
    }
}
