//! The secret variables of the contract and presence-only reporting.

/// Passed to the worker by name only; their values are never printed, logged or stored.
pub const SECRET_VARS: [&str; 3] = ["OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT"];

/// `NAME=present|absent` for each secret variable, as the worker's `logs` carry them.
/// `lookup` answers whether a variable holds a non-empty value.
pub fn presence_lines(lookup: impl Fn(&str) -> Option<String>) -> Vec<String> {
    SECRET_VARS
        .iter()
        .map(|name| {
            let present = lookup(name).is_some_and(|v| !v.is_empty());
            format!("{name}={}", if present { "present" } else { "absent" })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_lines_never_carry_a_value() {
        let lines = presence_lines(|name| match name {
            "OPENAI_API_KEY" => Some("sk-very-secret".into()),
            "OPENAI_ORG_ID" => Some(String::new()),
            _ => None,
        });
        assert_eq!(
            lines,
            [
                "OPENAI_API_KEY=present",
                "OPENAI_ORG_ID=absent",
                "OPENAI_PROJECT=absent"
            ]
        );
        assert!(lines.iter().all(|l| !l.contains("sk-very-secret")));
    }
}
