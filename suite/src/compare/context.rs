//! What the two runs were, beside their scenarios: the stack, the target profile and the
//! settings that change timings or verdicts.

use super::{Change, RunRecord};
use crate::model::outcome::one_line;

/// The stack, target profile and settings changes, in that order.
pub(super) fn changes(old: &RunRecord, new: &RunRecord) -> Vec<Change> {
    let mut out = target_changes(old, new);
    out.extend(setting_changes(old, new));
    out
}

/// Whether both runs recorded their settings and they differ.
pub(super) fn settings_differ(old: &RunRecord, new: &RunRecord) -> bool {
    !setting_changes(old, new).is_empty()
}

/// Each setting the two records hold with different values; none when either record has
/// no settings (a suite that did not write them).
fn setting_changes(old: &RunRecord, new: &RunRecord) -> Vec<Change> {
    if old.settings.is_empty() || new.settings.is_empty() {
        return Vec::new();
    }
    let mut keys: Vec<&String> = old.settings.keys().chain(new.settings.keys()).collect();
    keys.sort();
    keys.dedup();
    let show = |v: Option<&String>| v.map_or_else(|| "(none)".to_owned(), |v| one_line(v));
    keys.into_iter()
        .filter(|k| old.settings.get(*k) != new.settings.get(*k))
        .map(|k| Change::Setting {
            key: one_line(k),
            old: show(old.settings.get(k)),
            new: show(new.settings.get(k)),
        })
        .collect()
}

fn target_changes(old: &RunRecord, new: &RunRecord) -> Vec<Change> {
    let mut out = Vec::new();
    if old.stack != new.stack {
        out.push(Change::Target {
            key: "stack".into(),
            old: one_line(&old.stack),
            new: one_line(&new.stack),
        });
    }
    let empty = serde_json::Map::new();
    let fields = |t: &Option<serde_json::Value>| match t {
        Some(serde_json::Value::Object(m)) => m.clone(),
        Some(other) => {
            let mut m = serde_json::Map::new();
            m.insert("profile".into(), other.clone());
            m
        }
        None => empty.clone(),
    };
    let (o, n) = (fields(&old.target), fields(&new.target));
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    let show = |v: Option<&serde_json::Value>| match v {
        None => "(none)".to_owned(),
        Some(serde_json::Value::String(s)) => one_line(s),
        Some(v) => one_line(&v.to_string()),
    };
    for k in keys {
        if o.get(k) != n.get(k) {
            out.push(Change::Target {
                key: one_line(k),
                old: show(o.get(k)),
                new: show(n.get(k)),
            });
        }
    }
    out
}
