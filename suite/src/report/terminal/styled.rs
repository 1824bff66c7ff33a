//! A line as pieces of text with their styles, so that it is measured, cut and wrapped on
//! its text alone (escape sequences take no column) and rendered with colour only at the end.

use anstyle::Style;
use unicode_width::UnicodeWidthChar;

/// What ends a line that is cut.
const ELLIPSIS: char = '…';

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Styled(Vec<(Style, String)>);

impl Styled {
    /// One unstyled piece.
    pub(crate) fn plain(text: impl Into<String>) -> Self {
        Styled(vec![(Style::new(), text.into())])
    }

    /// Appends `text` in `style`.
    pub(crate) fn push(mut self, style: Style, text: impl Into<String>) -> Self {
        self.0.push((style, text.into()));
        self
    }

    /// Appends unstyled `text`.
    pub(crate) fn then(self, text: impl Into<String>) -> Self {
        self.push(Style::new(), text)
    }

    /// The text without its styles.
    pub(crate) fn text(&self) -> String {
        self.0.iter().map(|(_, t)| t.as_str()).collect()
    }

    /// Each piece's text through `f` (escaping), styles kept.
    pub(crate) fn map_text(self, f: impl Fn(&str) -> String) -> Self {
        Styled(self.0.into_iter().map(|(s, t)| (s, f(&t))).collect())
    }

    /// Columns on a terminal (wide characters take two).
    pub(crate) fn width(&self) -> usize {
        self.chars().map(|(_, c)| char_width(c)).sum()
    }

    /// With ANSI styles, for a stream that strips them when colour is off.
    pub(crate) fn render(&self) -> String {
        self.0
            .iter()
            .map(|(style, text)| match *style == Style::new() {
                true => text.clone(),
                false => format!("{}{text}{}", style.render(), style.render_reset()),
            })
            .collect()
    }

    /// At most `width` columns: a longer line is cut at a character boundary and ends with
    /// an ellipsis.
    pub(crate) fn cut(&self, width: usize) -> Styled {
        if self.width() <= width {
            return self.clone();
        }
        let room = width.saturating_sub(1);
        let mut used = 0;
        let mut kept = Vec::new();
        for (style, c) in self.chars() {
            used += char_width(c);
            if used > room {
                break;
            }
            kept.push((style, c));
        }
        if width > 0 {
            kept.push((Style::new(), ELLIPSIS));
        }
        Styled::from_chars(kept)
    }

    /// Lines of at most `width` columns, broken between words; a continuation line starts
    /// with the first line's indent and two more spaces; a word longer than a line is broken
    /// where the line ends.
    pub(crate) fn wrap(&self, width: usize) -> Vec<Styled> {
        if self.width() <= width {
            return vec![self.clone()];
        }
        let chars: Vec<(Style, char)> = self.chars().collect();
        let indent = chars.iter().take_while(|(_, c)| *c == ' ').count() + 2;
        // Too narrow for an indent and a word: break anywhere.
        let indent = if indent * 2 > width { 0 } else { indent };
        let mut lines: Vec<Vec<(Style, char)>> = vec![Vec::new()];
        for word in words(&chars) {
            let line = lines.last_mut().expect("never empty");
            let used: usize = line.iter().map(|(_, c)| char_width(*c)).sum();
            let word_width: usize = word.iter().map(|(_, c)| char_width(*c)).sum();
            if used > indent && used + word_width > width {
                trim_end(line);
                lines.push(vec![(Style::new(), ' '); indent]);
                if word.first().is_some_and(|(_, c)| *c == ' ') {
                    continue;
                }
            }
            for &(style, c) in word {
                let line = lines.last_mut().expect("never empty");
                let used: usize = line.iter().map(|(_, c)| char_width(*c)).sum();
                if used + char_width(c) > width && used > indent {
                    lines.push(vec![(Style::new(), ' '); indent]);
                }
                lines.last_mut().expect("never empty").push((style, c));
            }
        }
        lines.into_iter().map(Styled::from_chars).collect()
    }

    fn chars(&self) -> impl Iterator<Item = (Style, char)> + '_ {
        self.0
            .iter()
            .flat_map(|(style, text)| text.chars().map(move |c| (*style, c)))
    }

    /// Consecutive characters of one style become one piece.
    fn from_chars(chars: Vec<(Style, char)>) -> Styled {
        let mut pieces: Vec<(Style, String)> = Vec::new();
        for (style, c) in chars {
            match pieces.last_mut() {
                Some((last, text)) if *last == style => text.push(c),
                _ => pieces.push((style, c.to_string())),
            }
        }
        Styled(pieces)
    }
}

/// Runs of spaces and runs of other characters, in order.
fn words(chars: &[(Style, char)]) -> Vec<&[(Style, char)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=chars.len() {
        let boundary = i == chars.len() || (chars[i].1 == ' ') != (chars[i - 1].1 == ' ');
        if boundary {
            out.push(&chars[start..i]);
            start = i;
        }
    }
    out
}

fn trim_end(line: &mut Vec<(Style, char)>) {
    while line.last().is_some_and(|(_, c)| *c == ' ') {
        line.pop();
    }
}

/// Columns of one character; a control character (already escaped before it gets here)
/// counts as none.
fn char_width(c: char) -> usize {
    c.width().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anstyle::AnsiColor;

    fn red() -> Style {
        AnsiColor::Red.on_default().bold()
    }

    #[test]
    fn a_cut_line_keeps_its_styles_and_ends_in_an_ellipsis_within_the_width() {
        let line = Styled::plain("L01 x: ")
            .push(red(), "FAIL")
            .then(" a long reason");
        assert_eq!(line.width(), 25);
        assert_eq!(line.cut(25), line);
        let cut = line.cut(10);
        assert_eq!(cut.text(), "L01 x: FA…");
        assert_eq!(cut.width(), 10);
        assert!(cut.render().contains(&format!("{}FA", red().render())));
        assert_eq!(line.cut(1).text(), "…");
    }

    #[test]
    fn cutting_counts_columns_not_bytes_and_never_splits_a_character() {
        let line = Styled::plain("é日本語 wide");
        assert_eq!(line.width(), 12);
        let cut = line.cut(5);
        assert_eq!(cut.text(), "é日…");
        assert!(cut.width() <= 5);
        // A wide character that would straddle the edge is left out whole.
        assert_eq!(Styled::plain("日本語").cut(4).text(), "日…");
    }

    #[test]
    fn wrapping_breaks_between_words_with_an_indent_and_breaks_long_words() {
        let line = Styled::plain("exit 1: L02 FAIL: the worker exited with code 1");
        let lines: Vec<String> = line.wrap(20).iter().map(Styled::text).collect();
        assert_eq!(
            lines,
            ["exit 1: L02 FAIL:", "  the worker exited", "  with code 1"]
        );
        let path = Styled::plain("zip: /a/very/long/path/without/spaces.zip");
        for l in path.wrap(16) {
            assert!(l.width() <= 16, "{l:?}");
        }
        let joined: String = path
            .wrap(16)
            .iter()
            .map(|l| l.text().trim().to_owned())
            .collect();
        assert_eq!(joined, "zip:/a/very/long/path/without/spaces.zip");
        assert_eq!(Styled::plain("short").wrap(80).len(), 1);
    }

    #[test]
    fn unstyled_text_renders_without_escapes() {
        assert_eq!(Styled::plain("a").then("b").render(), "ab");
        assert!(!Styled::plain("ok").render().contains('\u{1b}'));
    }
}
