use super::*;
use crate::model::secrets::Secrets;
use anstyle::AnsiColor;

fn terminal(secret: &str) -> Terminal {
    let secrets = Secrets::from_lookup(|name| (name == "OPENAI_API_KEY").then(|| secret.into()));
    Terminal::new(secrets.redactor(), Console::default())
}

#[test]
fn a_secret_split_over_styled_pieces_is_still_redacted() {
    let t = terminal("sk-PLANTED-9876");
    let line = Styled::plain("reason sk-PLANT")
        .push(AnsiColor::Red.on_default(), "ED-9876")
        .then(" end");
    let rows = t.rows(line, Fit::Wrap, None);
    assert_eq!(rows, ["reason [REDACTED] end"]);
}

#[test]
fn control_characters_are_escaped_and_styles_survive() {
    let t = terminal("sk-PLANTED-9876");
    let red = AnsiColor::Red.on_default();
    let rows = t.rows(
        Styled::plain("a\u{1b}[2Jb ").push(red, "FAIL"),
        Fit::Cut,
        None,
    );
    assert_eq!(
        rows,
        [format!(
            "a\\u{{1b}}[2Jb {}FAIL{}",
            red.render(),
            red.render_reset()
        )]
    );
}

#[test]
fn scenario_lines_are_cut_and_other_lines_wrapped_to_the_width() {
    let t = terminal("sk-PLANTED-9876");
    let long = "word ".repeat(30);
    let cut = t.rows(Styled::plain(long.clone()), Fit::Cut, Some(40));
    assert_eq!(cut.len(), 1);
    assert!(
        cut[0].ends_with('…') && cut[0].chars().count() == 40,
        "{cut:?}"
    );
    let wrapped = t.rows(Styled::plain(long), Fit::Wrap, Some(40));
    assert!(wrapped.len() > 1);
    assert!(
        wrapped.iter().all(|r| r.chars().count() <= 40),
        "{wrapped:?}"
    );
}
