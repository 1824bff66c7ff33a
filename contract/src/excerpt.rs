//! `result_excerpt.txt`: the five lines of CONTRACT.md's evidence conventions.

use crate::WorkerResult;

/// Exactly five lines, each ending in `\n`:
/// `status:`, `summary:`, `created_files:` (comma-joined), `modified_files:`,
/// `first_error:` (`none` when empty). Line breaks inside values are flattened to spaces so
/// that the excerpt always has five lines.
pub fn result_excerpt(r: &WorkerResult) -> String {
    let flat = |s: &str| s.replace(['\r', '\n'], " ");
    format!(
        "status: {}\nsummary: {}\ncreated_files: {}\nmodified_files: {}\nfirst_error: {}\n",
        r.status.as_str(),
        flat(&r.summary),
        flat(&r.created_files.join(",")),
        flat(&r.modified_files.join(",")),
        r.errors
            .first()
            .map(|e| flat(e))
            .unwrap_or_else(|| "none".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn excerpt_has_exactly_five_lines() {
        let r: WorkerResult = serde_json::from_value(json!({
            "status": "error", "summary": "two\nlines",
            "created_files": ["a", "b"], "errors": ["forced_error", "x"]
        }))
        .unwrap();
        assert_eq!(
            result_excerpt(&r),
            "status: error\nsummary: two lines\ncreated_files: a,b\nmodified_files: \nfirst_error: forced_error\n"
        );
        let ok: WorkerResult = serde_json::from_value(json!({"status": "success"})).unwrap();
        let e = result_excerpt(&ok);
        assert_eq!(e.lines().count(), 5);
        assert!(e.ends_with("first_error: none\n"));
    }
}
