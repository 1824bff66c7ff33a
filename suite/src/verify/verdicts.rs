//! The verdicts each report of a run tells, read back: `run.json` (the record), `junit.xml`
//! (what CI shows) and `summary.txt` (what a person reads), scenario by scenario, and
//! whether they tell the same story, among themselves and with the exit code recorded.

use crate::compare::RunRecord;
use crate::model::escape::escape_controls;
use crate::model::outcome::one_line;
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeMap;

/// A report's verdicts: scenario id → `PASS`, `FAIL`, `ERROR` or `SKIP`, in its order.
pub(super) type Verdicts = Vec<(String, String)>;

/// `run.json`'s scenarios.
pub(super) fn from_record(record: &RunRecord) -> Verdicts {
    record
        .scenarios
        .iter()
        .map(|s| (one_line(&s.id), one_line(&s.verdict)))
        .collect()
}

/// The scenarios of `junit.xml`: each `<testcase>` of the live, rollback and mocked suites,
/// its id the first word of its name, its verdict its `<failure>`, `<error>` or `<skipped>`
/// child (a flaky or rerun child does not change it). The `reports` suite names what could
/// not be written: its messages come back as the second value.
pub(super) fn from_junit(xml: &str) -> Result<(Verdicts, Vec<String>), String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Verdicts::new();
    let mut unwritten = Vec::new();
    let mut suite = String::new();
    let mut depth_in_case = None::<usize>;
    let mut depth = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("junit.xml is not well-formed XML: {e}"))?;
        let (tag, opens) = match &event {
            Event::Start(t) => (Some(t), true),
            Event::Empty(t) => (Some(t), false),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth_in_case.is_some_and(|d| d > depth) {
                    depth_in_case = None;
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let Some(tag) = tag else { continue };
        match tag.name().as_ref() {
            b"testsuite" => suite = attribute(tag, "name").unwrap_or_default(),
            b"testcase" if suite == "reports" => {
                unwritten.push(attribute(tag, "name").unwrap_or_default());
            }
            b"testcase" => {
                let name = attribute(tag, "name").unwrap_or_default();
                let id = name.split_whitespace().next().unwrap_or_default();
                out.push((one_line(id), "PASS".to_owned()));
                depth_in_case = opens.then_some(depth + 1);
            }
            b"failure" | b"error" | b"skipped" if suite == "reports" => {
                unwritten.extend(attribute(tag, "message"));
            }
            kind @ (b"failure" | b"error" | b"skipped") if depth_in_case.is_some() => {
                if let Some(last) = out.last_mut() {
                    last.1 = match kind {
                        b"failure" => "FAIL",
                        b"error" => "ERROR",
                        _ => "SKIP",
                    }
                    .to_owned();
                }
            }
            _ => {}
        }
        if opens {
            depth += 1;
        }
    }
    Ok((out, unwritten))
}

/// An attribute's value, unescaped, on one line.
fn attribute(tag: &BytesStart, name: &str) -> Option<String> {
    let a = tag.try_get_attribute(name).ok().flatten()?;
    let value = a.normalized_value(quick_xml::XmlVersion::default()).ok()?;
    Some(one_line(&value))
}

/// The rows of `summary.txt`'s table (under its `scenario verdict duration reason` header,
/// up to the first blank line): each row's first two words.
pub(super) fn from_summary(text: &str) -> Verdicts {
    text.lines()
        .skip_while(|l| !l.starts_with("scenario "))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((one_line(words.next()?), one_line(words.next()?)))
        })
        .collect()
}

/// Where `others` (each named) disagree with `record`, the reference, one line each.
pub(super) fn disagreements(record: &Verdicts, others: &[(&str, &Verdicts)]) -> Vec<String> {
    let mut out = Vec::new();
    let want: BTreeMap<&str, &str> = record
        .iter()
        .map(|(id, v)| (id.as_str(), v.as_str()))
        .collect();
    for (name, told) in others {
        let told_map: BTreeMap<&str, &str> = told
            .iter()
            .map(|(id, v)| (id.as_str(), v.as_str()))
            .collect();
        for (id, v) in &want {
            match told_map.get(id) {
                None => out.push(format!("{name}: no verdict for {}", shown(id))),
                Some(t) if t != v => out.push(format!(
                    "{name}: {} is {} where run.json says {}",
                    shown(id),
                    shown(t),
                    shown(v)
                )),
                Some(_) => {}
            }
        }
        for id in told_map.keys().filter(|id| !want.contains_key(*id)) {
            out.push(format!(
                "{name}: a verdict for {}, a scenario run.json does not have",
                shown(id)
            ));
        }
    }
    out
}

/// Whether the exit code `run.json` records is the one its verdicts give: 0 when every
/// scenario that ran passed and one did, else 1; a run a signal cut short ends 128 + n
/// whatever its verdicts.
pub(super) fn exit_code_problem(code: i32, verdicts: &Verdicts) -> Option<String> {
    if code > 128 {
        return None;
    }
    let ran: Vec<&str> = verdicts
        .iter()
        .map(|(_, v)| v.as_str())
        .filter(|v| *v != "SKIP")
        .collect();
    let passed = !ran.is_empty() && ran.iter().all(|v| *v == "PASS");
    let want = i32::from(!passed);
    (code != want).then(|| {
        format!(
            "run.json: exit code {code}, but its verdicts give {want} ({})",
            if passed {
                "every scenario that ran passed"
            } else {
                "a scenario failed, errored, or none ran"
            }
        )
    })
}

/// Text from the evidence, safe on a terminal.
pub(crate) fn shown(text: &str) -> String {
    escape_controls(&one_line(text))
}
