//! The checks of the compose files a config names: they exist, hold the backend's
//! service, publish its port, and allow `parallel` when it is asked for.

use super::SuiteConfig;
use crate::sys::bounded_read::{self, CONFIG_LIMIT};
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The part of a compose file the checks read.
#[derive(Debug, Deserialize)]
struct Compose {
    #[serde(default)]
    services: BTreeMap<String, Service>,
}

#[derive(Debug, Default, Deserialize)]
struct Service {
    container_name: Option<serde_norway::Value>,
    #[serde(default)]
    ports: Vec<serde_norway::Value>,
}

impl SuiteConfig {
    /// The compose files exist, hold `service`, and allow `parallel` when it is asked for.
    pub(super) fn check_compose(&self) -> Result<()> {
        let source = self.source.as_deref().map_or_else(
            || "the built-in defaults".to_owned(),
            |p| p.display().to_string(),
        );
        let mut services: BTreeMap<String, (PathBuf, Service)> = BTreeMap::new();
        for file in &self.compose_files {
            let text = bounded_read::read_text(file, CONFIG_LIMIT).with_context(|| {
                format!(
                    "{source}: `compose_files` names {}, which cannot be read; fix: give its \
                     path relative to the config file's folder",
                    file.display()
                )
            })?;
            let compose: Compose = serde_norway::from_str(&text).with_context(|| {
                format!(
                    "{}: not a compose file (YAML with `services`)",
                    file.display()
                )
            })?;
            // Later files override earlier ones, as in `compose -f a -f b`.
            for (name, s) in compose.services {
                services.insert(name, (file.clone(), s));
            }
        }
        let Some((file, service)) = services.get(&self.service) else {
            let known: Vec<&str> = services.keys().map(String::as_str).collect();
            bail!(
                "{source}: `service` = {:?} is not a service of {} (its services: {}); fix: \
                 set `service` to the backend's service name",
                self.service,
                self.files_text(),
                known.join(", ")
            );
        };
        if self.parallel {
            let pinned = services.iter().find_map(|(name, (f, s))| {
                if s.container_name.is_some() {
                    return Some(format!(
                        "service {name} in {} sets container_name",
                        f.display()
                    ));
                }
                s.ports.iter().find_map(|p| {
                    fixed_host_port(p).map(|port| {
                        format!(
                            "service {name} in {} publishes the fixed host port {port}",
                            f.display()
                        )
                    })
                })
            });
            if let Some(why) = pinned {
                bail!(
                    "{source}: `parallel` = true but {why}, so two copies of the stack would \
                     collide; fix: set parallel = false (the suite then takes a lock and runs \
                     one copy at a time), or let compose choose the host port (\"{}\")",
                    self.container_port
                );
            }
        }
        let publishes = service
            .ports
            .iter()
            .any(|p| container_port_of(p) == Some(self.container_port));
        if !publishes {
            bail!(
                "{source}: `container_port` = {} is not published by service {} in {}; fix: \
                 set `container_port` to the port the backend listens on in its container, and \
                 publish it (ports: [\"{}\"])",
                self.container_port,
                self.service,
                file.display(),
                self.container_port
            );
        }
        Ok(())
    }

    fn files_text(&self) -> String {
        let names: Vec<String> = self
            .compose_files
            .iter()
            .map(|f| f.display().to_string())
            .collect();
        names.join(" + ")
    }
}

/// `"8000:8000"`, `"127.0.0.1:8000:8000"`, `{published: 8000}`: a host port written into
/// the file. Variables (`${PORT:-8000}:8000`), ranges and container-only entries are not.
fn fixed_host_port(entry: &serde_norway::Value) -> Option<String> {
    match entry {
        serde_norway::Value::String(s) => {
            let spec = s.split('/').next().unwrap_or(s);
            let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
            let host = parts.get(1)?;
            (!host.is_empty() && !host.contains('$') && host.chars().all(|c| c.is_ascii_digit()))
                .then(|| host.to_string())
        }
        serde_norway::Value::Mapping(m) => m.get("published").and_then(|p| match p {
            serde_norway::Value::Number(n) => Some(n.to_string()),
            serde_norway::Value::String(s) if !s.contains('$') && !s.is_empty() => Some(s.clone()),
            _ => None,
        }),
        _ => None,
    }
}

/// The container side of a ports entry.
fn container_port_of(entry: &serde_norway::Value) -> Option<u16> {
    match entry {
        serde_norway::Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        serde_norway::Value::String(s) => {
            let spec = s.split('/').next().unwrap_or(s);
            spec.rsplit(':').next()?.parse().ok()
        }
        serde_norway::Value::Mapping(m) => m.get("target").and_then(|t| match t {
            serde_norway::Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            serde_norway::Value::String(s) => s.parse().ok(),
            _ => None,
        }),
        _ => None,
    }
}
