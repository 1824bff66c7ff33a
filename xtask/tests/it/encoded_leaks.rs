//! A target that leaks a secret in the forms beyond the plain ones (`hostile.rs` has those):
//! HTML-escaped, percent-encoded twice, as line-wrapped base64, inside a gzip-compressed
//! answer. Each fails the scenario naming the leak, and no form of the value is kept.

use crate::hostile::{against, assert_none_of, forms, with_key, KEY};
use crate::support::hostile::{Faults, Form};

/// L01 against a target whose create answer carries the key in `form`: the scenario fails
/// naming the variable and the request (`place` too), the kept answer shows `[REDACTED]`,
/// and neither the planted text nor any form of the value is in the run folder, the zip or
/// the console.
fn caught(form: Form, place: &str) {
    let faults = Faults {
        leak_in_create: Some((form, KEY.into())),
        ..Default::default()
    };
    let (run, took, _out) = against(faults, &["--only", "L01"], &with_key());
    println!("{form:?}: exit {} in {took:?}", run.code);
    run.assert_code(1);
    let (verdict, reason) = run.verdict("L01");
    assert_eq!(verdict, "FAIL", "{reason}");
    assert!(
        reason.contains(
            "secret leak: the value of OPENAI_API_KEY was in the answer to POST /api/v1/projects/"
        ) && reason.contains(place),
        "{reason}"
    );
    let response = run.read("live/L01/response.json");
    // Kept as text (for gzip: decoded), the value replaced.
    assert!(
        response.contains("\"debug\": \"") && response.contains("[REDACTED]"),
        "{response}"
    );
    let mut all = forms(KEY);
    all.push(form.planted(KEY));
    assert_none_of(&run, &all);
}

#[test]
fn an_html_escaped_secret_fails_and_is_nowhere() {
    caught(Form::Html, "POST /api/v1/projects/");
}

#[test]
fn a_secret_percent_encoded_twice_fails_and_is_nowhere() {
    caught(Form::DoublePercent, "POST /api/v1/projects/");
}

#[test]
fn a_secret_in_wrapped_base64_fails_and_is_nowhere() {
    caught(Form::WrappedBase64, "POST /api/v1/projects/");
}

/// The answer is kept decoded (and redacted): `caught` reads its `debug` field.
#[test]
fn a_secret_in_a_gzip_compressed_answer_fails_and_is_nowhere() {
    caught(Form::Gzip, "(decoded from gzip)");
}
