//! Text from the target made harmless where it is shown: control characters escaped for a
//! terminal or a file, markdown table cells kept to one cell. Pure: no I/O.

/// Escapes every control character but line feed and tab as `\u{1b}` (Rust's notation), so
/// that the reader sees what the backend sent without it acting on the terminal.
pub(crate) fn escape_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\n' | '\t') {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Makes text safe inside one markdown table cell: one line, no column break, no HTML.
pub(crate) fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&escape_controls(&c.to_string())),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_lines_stay() {
        assert_eq!(
            escape_controls("a\u{1b}[31mred\0\r\n\tb\u{7f}"),
            "a\\u{1b}[31mred\\u{0}\\u{d}\n\tb\\u{7f}"
        );
        assert_eq!(escape_controls("plain é"), "plain é");
    }
}
