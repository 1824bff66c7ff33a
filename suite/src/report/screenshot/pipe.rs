//! Chrome's DevTools protocol over `--remote-debugging-pipe`: JSON messages, each ended by a
//! NUL byte, written to the browser's fd 3 and read from its fd 4. A thread reads the
//! browser's messages (each at most [`MAX_MESSAGE`] bytes); every wait ends at a deadline.

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, PipeReader, PipeWriter, Read, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Instant;

/// The largest message read from the browser: a screenshot of the tallest window, in base64,
/// fits many times over.
pub const MAX_MESSAGE: usize = 64 << 20;

/// One connection to a browser's DevTools pipe.
pub struct Pipe {
    to: PipeWriter,
    from: Receiver<Result<Value, String>>,
    next_id: u64,
    /// The events that came while an answer was awaited (method and session), for a later
    /// [`Pipe::wait_event`].
    seen: Vec<(String, Option<String>)>,
}

impl Pipe {
    /// The connection over `to` (the browser's fd 3) and `from` (its fd 4).
    pub fn new(to: PipeWriter, from: PipeReader) -> Pipe {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut from = BufReader::new(from);
            loop {
                match read_message(&mut from) {
                    Ok(Some(message)) => {
                        if tx.send(Ok(message)).is_err() {
                            return;
                        }
                    }
                    Ok(None) => return,
                    Err(e) => {
                        let _ = tx.send(Err(format!("{e:#}")));
                        return;
                    }
                }
            }
        });
        Pipe {
            to,
            from: rx,
            next_id: 0,
            seen: Vec::new(),
        }
    }

    /// Sends `method` with `params` (to the page of `session`, or to the browser) and
    /// returns its result, or the browser's error, by `deadline`.
    pub fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        deadline: Instant,
    ) -> Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = session.into();
        }
        let mut bytes = serde_json::to_vec(&message)?;
        bytes.push(0);
        self.to
            .write_all(&bytes)
            .with_context(|| format!("sending {method}: the browser closed its DevTools pipe"))?;
        loop {
            let mut answer = self
                .next(deadline)
                .with_context(|| format!("waiting for the answer to {method}"))?;
            if answer["id"] != id {
                self.remember(&answer);
                continue;
            }
            if let Some(error) = answer.get("error") {
                bail!("{method} failed in the browser: {error}");
            }
            return Ok(answer["result"].take());
        }
    }

    /// Forgets the events seen so far: a later [`Pipe::wait_event`] waits for a new one.
    pub fn forget_events(&mut self) {
        self.seen.clear();
    }

    /// Waits by `deadline` for the event `method` of `session`, unless it came already.
    pub fn wait_event(&mut self, session: &str, method: &str, deadline: Instant) -> Result<()> {
        let matches =
            |(m, s): &(String, Option<String>)| m == method && s.as_deref() == Some(session);
        if self.seen.iter().any(matches) {
            return Ok(());
        }
        loop {
            let message = self
                .next(deadline)
                .with_context(|| format!("waiting for {method}"))?;
            self.remember(&message);
            if self.seen.last().is_some_and(matches) {
                return Ok(());
            }
        }
    }

    fn remember(&mut self, message: &Value) {
        if let Some(method) = message["method"].as_str() {
            let session = message["sessionId"].as_str().map(str::to_owned);
            self.seen.push((method.to_owned(), session));
        }
    }

    /// The browser's next message, by `deadline`.
    fn next(&mut self, deadline: Instant) -> Result<Value> {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.from.recv_timeout(wait) {
            Ok(Ok(message)) => Ok(message),
            Ok(Err(e)) => Err(anyhow!("reading the browser's DevTools pipe: {e}")),
            Err(RecvTimeoutError::Timeout) => bail!("the browser did not answer in time"),
            Err(RecvTimeoutError::Disconnected) => {
                bail!("the browser closed its DevTools pipe (it exited or crashed)")
            }
        }
    }
}

/// One NUL-ended message from `from`; `None` at the end of the pipe. A message longer than
/// [`MAX_MESSAGE`], or one cut by the end of the pipe, or not JSON, is an error.
fn read_message(from: &mut impl BufRead) -> Result<Option<Value>> {
    let mut buf = Vec::new();
    from.take(MAX_MESSAGE as u64 + 1)
        .read_until(0, &mut buf)
        .context("reading")?;
    match buf.pop() {
        None => Ok(None),
        Some(0) => Ok(Some(
            serde_json::from_slice(&buf).context("a message that is not JSON")?,
        )),
        Some(_) if buf.len() >= MAX_MESSAGE => {
            bail!("a message over {} MB", MAX_MESSAGE >> 20)
        }
        Some(_) => bail!("a message cut short by the end of the pipe"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(bytes: &[u8]) -> Vec<Result<Option<Value>, String>> {
        let mut from = bytes;
        let mut out = Vec::new();
        loop {
            let m = read_message(&mut from).map_err(|e| format!("{e:#}"));
            let end = !matches!(m, Ok(Some(_)));
            out.push(m);
            if end {
                return out;
            }
        }
    }

    #[test]
    fn messages_end_with_nul_and_a_cut_or_broken_one_is_an_error() {
        let table: [(&[u8], &str); 4] = [
            (
                b"{\"id\":1}\0{\"method\":\"x\"}\0",
                "[{\"id\":1},{\"method\":\"x\"},end]",
            ),
            (b"", "[end]"),
            (b"{\"id\":1}\0{\"id\":", "[{\"id\":1},cut short]"),
            (b"nope\0", "[not JSON]"),
        ];
        for (bytes, want) in table {
            let got: Vec<String> = messages(bytes)
                .into_iter()
                .map(|m| match m {
                    Ok(Some(v)) => v.to_string(),
                    Ok(None) => "end".into(),
                    Err(e) if e.contains("cut short") => "cut short".into(),
                    Err(e) if e.contains("not JSON") => "not JSON".into(),
                    Err(e) => e,
                })
                .collect();
            assert_eq!(format!("[{}]", got.join(",")), want);
        }
    }

    /// A pipe to a fake browser that reads `requests` messages and then writes `replies`.
    fn fake_browser(requests: usize, replies: &'static [u8]) -> Pipe {
        let (mut reads, to) = std::io::pipe().unwrap();
        let (from, mut writes) = std::io::pipe().unwrap();
        std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut byte = [0];
            while got.iter().filter(|b| **b == 0).count() < requests {
                reads.read_exact(&mut byte).unwrap();
                got.push(byte[0]);
            }
            writes.write_all(replies).unwrap();
            // Keeps the pipe open: a browser that stopped answering.
            std::thread::sleep(std::time::Duration::from_secs(5));
        });
        Pipe::new(to, from)
    }

    #[test]
    fn an_answer_is_matched_by_id_and_the_events_before_it_are_kept() {
        let replies = b"{\"method\":\"Page.loadEventFired\",\"sessionId\":\"S\"}\0\
                        {\"id\":7,\"result\":{}}\0{\"id\":1,\"result\":{\"x\":2}}\0";
        let mut pipe = fake_browser(1, replies);
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        let result = pipe.call(Some("S"), "Page.navigate", json!({}), deadline);
        assert_eq!(result.unwrap(), json!({ "x": 2 }));
        pipe.wait_event("S", "Page.loadEventFired", deadline)
            .unwrap();
    }

    #[test]
    fn an_error_answer_or_silence_fails_the_call_by_its_deadline() {
        let replies = b"{\"id\":1,\"error\":{\"message\":\"no such target\"}}\0";
        let mut pipe = fake_browser(1, replies);
        let soon = || Instant::now() + std::time::Duration::from_millis(500);
        let err = pipe.call(None, "Target.attachToTarget", json!({}), soon());
        let err = format!("{:#}", err.unwrap_err());
        assert!(
            err.contains("failed in the browser") && err.contains("no such target"),
            "{err}"
        );
        let err = pipe
            .call(None, "Page.enable", json!({}), soon())
            .unwrap_err();
        assert!(
            format!("{err:#}").contains("did not answer in time"),
            "{err:#}"
        );
    }

    #[test]
    fn a_message_over_the_limit_is_refused_without_reading_it_all() {
        let big = vec![b' '; MAX_MESSAGE + 10];
        let err = read_message(&mut big.as_slice()).unwrap_err();
        assert!(format!("{err:#}").contains("over 64 MB"), "{err:#}");
    }
}
