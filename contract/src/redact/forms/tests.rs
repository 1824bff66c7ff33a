use super::*;
use base64::Engine as _;

const KEY: &str = "sk-proj/ABC+xyz_0123456789";

fn find(value: &str, hay: &[u8]) -> Vec<Range<usize>> {
    Patterns::new(&[("KEY", value.to_owned())]).find_all(hay).0
}

fn found(hay: &str) -> Vec<&str> {
    find(KEY, hay.as_bytes())
        .into_iter()
        .map(|r| &hay[r])
        .collect()
}

fn escaped(upper: bool, skip_every: usize) -> String {
    KEY.chars()
        .enumerate()
        .map(|(i, c)| match (upper, i % skip_every == skip_every - 1) {
            (_, true) => c.to_string(),
            (true, _) => format!("\\u{:04X}", c as u32),
            (false, _) => format!("\\u{:04x}", c as u32),
        })
        .collect()
}

#[test]
fn finds_the_literal_and_every_escaped_mix() {
    for form in [
        KEY.to_owned(),
        escaped(false, usize::MAX),
        escaped(true, usize::MAX),
        escaped(true, 3),
        KEY.replace('/', "\\/"),
        // Escaped twice: a JSON string inside a JSON string.
        escaped(false, usize::MAX).replace('\\', "\\\\"),
    ] {
        let hay = format!("{{\"a\": \"x {form} y\"}}");
        assert_eq!(found(&hay), [form.as_str()], "{hay}");
    }
}

#[test]
fn finds_percent_encoding_in_either_case_and_mixed_with_escapes() {
    let upper: String = KEY.bytes().map(|b| format!("%{b:02X}")).collect();
    let lower = upper.to_lowercase();
    let mixed = "%73k\\u002dproj%2fABC%2Bxyz_0123456789".to_string();
    for form in [upper, lower, mixed] {
        let hay = format!("GET /x?key={form}&y=1");
        assert_eq!(found(&hay), [form.as_str()], "{hay}");
    }
}

#[test]
fn finds_base64_at_every_alignment_and_in_either_alphabet() {
    for engine in [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
    ] {
        for prefix in ["", "a", "ab", "abc"] {
            let blob = engine.encode(format!("{prefix}{KEY} trailing bytes"));
            let hits = find(KEY, blob.as_bytes());
            assert_eq!(hits.len(), 1, "{prefix:?} {blob}");
            // What is left around the hit carries at most a few bits of the value.
            assert!(hits[0].len() >= 8 * KEY.len() / 6 - 2, "{blob}");
        }
    }
}

#[test]
fn a_near_miss_is_not_found() {
    for hay in [
        "sk-proj/ABC+xyz_012345678",
        "\\u0073k-proj/ABC+xyz_012345678X",
        "%7",
        "\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\u0073",
    ] {
        assert!(found(hay).is_empty(), "{hay}");
    }
}

#[test]
fn non_bmp_characters_match_as_surrogate_pairs() {
    let hay = "x key-\\ud83d\\uDE00-end y";
    let hits = find("key-\u{1F600}-end", hay.as_bytes());
    assert_eq!(hits.len(), 1);
    assert_eq!(&hay[hits[0].clone()], "key-\\ud83d\\uDE00-end");
}

#[test]
fn short_values_have_no_base64_cores() {
    assert!(Pattern::new("abcd").cores.is_empty());
    assert!(find("", b"anything").is_empty());
    assert_eq!(Pattern::new("abcdefg").cores.len(), 3);
}

/// `KEY` with its `i`th character `c` written as `form(i, c)`.
fn each(form: impl Fn(usize, char) -> String) -> String {
    KEY.chars().enumerate().map(|(i, c)| form(i, c)).collect()
}

#[test]
fn finds_html_character_references_in_every_spelling_and_mixed() {
    for form in [
        each(|_, c| format!("&#{};", c as u32)),
        each(|_, c| format!("&#x{:x};", c as u32)),
        each(|_, c| format!("&#X{:X};", c as u32)),
        each(|i, c| format!("&#{}{};", "0".repeat(i % 5), c as u32)),
        each(|i, c| format!("&#x{}{:X};", "0".repeat(i % 3), c as u32)),
        // The `;` left out, as browsers read it, before a character that ends the number.
        each(|i, c| match i % 4 {
            0 => format!("&#{};", c as u32),
            1 => c.to_string(),
            2 => format!("&#x{:x}", c as u32),
            _ => format!("\\u{:04x}", c as u32),
        }),
    ] {
        let hay = format!("<p>Invalid key: {form}</p>");
        assert_eq!(found(&hay), [form.as_str()], "{hay}");
    }
}

#[test]
fn finds_the_named_references_an_escaper_writes() {
    let value = "a<b>c&d\"e'f-tail";
    for form in [
        "a&lt;b&gt;c&amp;d&quot;e&#39;f-tail",
        "a&lt;b&gt;c&amp;d&quot;e&apos;f-tail",
        "a&LT;b&GT;c&AMP;d&QUOT;e&#x27;f-tail",
        "a&lt;b>c&d&quot;e'f-tail",
        value,
    ] {
        let hay = format!("<pre>{form}</pre>");
        let hits = find(value, hay.as_bytes());
        let hits: Vec<&str> = hits.into_iter().map(|r| &hay[r]).collect();
        assert_eq!(hits, [form], "{hay}");
    }
}

#[test]
fn non_bmp_characters_match_as_html_references() {
    for hay in ["x key-&#128512;-end y", "x key-&#x1f600;-end y"] {
        let hits = find("key-\u{1F600}-end", hay.as_bytes());
        assert_eq!(hits.len(), 1, "{hay}");
        assert!(hay[hits[0].clone()].starts_with("key-&#"), "{hay}");
    }
}

#[test]
fn finds_percent_encoding_applied_twice_or_more_in_either_case_and_mixed() {
    let twice: String = KEY.bytes().map(|b| format!("%25{b:02X}")).collect();
    let thrice: String = KEY.bytes().map(|b| format!("%2525{b:02x}")).collect();
    let mixed = "%2573k%2d\\u0070&#114;o%256A%252FABC%252Bxyz_0123456789".to_owned();
    for form in [twice.clone(), twice.to_lowercase(), thrice, mixed] {
        let hay = format!("GET /cb?next=%2Fx%3Fkey%3D{form}&y=1");
        assert_eq!(found(&hay), [form.as_str()], "{hay}");
    }
    // A `%` in the value, encoded twice, beside a `%25` that is no second pass.
    let hay = "x 50%2525off-sale %25 y";
    let hits: Vec<&str> = find("50%off-sale", hay.as_bytes())
        .into_iter()
        .map(|r| &hay[r])
        .collect();
    assert_eq!(hits, ["50%2525off-sale"]);
}

/// `text` with `newline` after every `width` characters.
fn wrapped(text: &str, width: usize, newline: &str) -> String {
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(width)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    lines.join(newline)
}

#[test]
fn finds_base64_wrapped_at_any_width_with_any_line_break() {
    for engine in [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::URL_SAFE,
    ] {
        for prefix in 40..43 {
            let blob = engine.encode(format!("{}{KEY} trailing bytes", "p".repeat(prefix)));
            for (width, newline) in [
                (76, "\r\n"),
                (64, "\n"),
                (5, "\n"),
                (1, "\r\n"),
                // Inside a JSON string, and one escaped twice.
                (76, "\\r\\n"),
                (64, "\\n"),
                (3, "\\\\n"),
            ] {
                let text = wrapped(&blob, width, newline);
                let hits = find(KEY, text.as_bytes());
                assert_eq!(hits.len(), 1, "{width} {newline:?} {text}");
                // What is left around the hit carries at most a few bits of the value.
                let core = text[hits[0].clone()].replace(newline, "");
                assert!(core.len() >= 8 * KEY.len() / 6 - 2, "{text}");
            }
        }
    }
}

#[test]
fn finds_base64_characters_as_a_url_or_a_json_string_carries_them() {
    use base64::engine::general_purpose::STANDARD;
    // `+` and `/` in its base64 at every alignment.
    let value = "?>?>?>secret-value~~~~?>?>?>";
    for prefix in ["", "a", "ab"] {
        let blob = STANDARD.encode(format!("{prefix}{value}"));
        assert!(blob.contains('+') && blob.contains('/'), "{blob}");
        for text in [
            blob.replace('/', "\\/"),
            blob.replace('+', "%2B").replace('/', "%2f"),
            blob.replace('+', "%252B"),
        ] {
            assert_eq!(find(value, text.as_bytes()).len(), 1, "{text}");
        }
    }
}

#[test]
fn near_misses_of_references_and_of_double_percent_are_not_found() {
    for hay in [
        // An `&` that is no reference, and references to another character.
        "&sk-proj/ABC+xyz_012345678",
        "& #115;k-proj/ABC+xyz_0123456789",
        "&#;k-proj/ABC+xyz_0123456789",
        "&#x;k-proj/ABC+xyz_0123456789",
        "&#1150;k-proj/ABC+xyz_0123456789",
        "&#x7G;k-proj/ABC+xyz_0123456789",
        "&amp;k-proj/ABC+xyz_0123456789",
        "&#115;k-proj/ABC+xyz_&#x31;&#48;23456789",
        "&#99999999999999999999999999115;k-proj/ABC+xyz_0123456789",
        // `%25` not followed by the right hex digits.
        "%257k-proj/ABC+xyz_0123456789",
        "%25G3k-proj/ABC+xyz_0123456789",
        "%2G73k-proj/ABC+xyz_0123456789",
        "%2574k-proj/ABC+xyz_0123456789",
        "%2573k-proj/ABC+xyz_012345678",
    ] {
        assert!(found(hay).is_empty(), "{hay}");
    }
}

#[test]
fn base64_broken_by_anything_but_a_line_break_is_not_found() {
    let blob = base64::engine::general_purpose::STANDARD.encode(format!("{KEY} trailing"));
    for newline in [" ", "\t", "\\t", "-", "\\"] {
        let text = wrapped(&blob, 5, newline);
        assert!(find(KEY, text.as_bytes()).is_empty(), "{text}");
    }
}
