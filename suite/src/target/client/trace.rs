//! `--verbose`: every request the client sends is told to the run as an `Event::Request`
//! (method, path, status, latency), when the client was given the run's events.

use super::Client;
use crate::model::events::{Event, Events};
use reqwest::Method;
use std::sync::Arc;
use std::time::Instant;

impl Client {
    /// Tells every later request to `events` (`Event::Request`).
    pub(crate) fn with_events(mut self, events: Arc<Events>) -> Self {
        self.events = Some(events);
        self
    }

    /// A request sent at `sent` to `url` ended with `status` (`None`: no answer).
    pub(super) fn told(&self, method: &Method, url: &str, sent: Instant, status: Option<u16>) {
        if let Some(events) = &self.events {
            events.emit(Event::Request {
                method: method.to_string(),
                path: url.strip_prefix(&self.root).unwrap_or(url).to_owned(),
                status,
                latency: sent.elapsed(),
            });
        }
    }
}
