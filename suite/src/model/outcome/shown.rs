use serde::{Deserialize, Serialize};

/// Something a scenario shows in the HTML report, named by run-relative evidence paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shown {
    /// The unified diff of `file` between two snapshots (a `get_file` answer, JSON with its
    /// `contents`).
    Diff {
        file: String,
        before: String,
        after: String,
    },
}
