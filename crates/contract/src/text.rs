//! The character classes the field limits speak of, defined once, as ranges, so that the
//! services' checks and the JSON Schema patterns the OpenAPI document states agree character
//! for character. The patterns spell each class out with `\uXXXX` ranges rather than `\s`,
//! whose meaning differs between ECMA-262, Python and Rust.

/// White space as ECMA-262 defines it (its WhiteSpace and LineTerminator characters).
const SPACES: &[(char, char)] = &[
    ('\u{0009}', '\u{000D}'),
    ('\u{0020}', '\u{0020}'),
    ('\u{00A0}', '\u{00A0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200A}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202F}', '\u{202F}'),
    ('\u{205F}', '\u{205F}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{FEFF}', '\u{FEFF}'),
];

/// Control characters (Unicode category Cc), which text never holds...
const CONTROLS: &[(char, char)] = &[('\u{0000}', '\u{001F}'), ('\u{007F}', '\u{009F}')];

/// ...except that multi-line text may hold tabs and line breaks.
const CONTROLS_BUT_LINE_BREAKS: &[(char, char)] = &[
    ('\u{0000}', '\u{0008}'),
    ('\u{000B}', '\u{000C}'),
    ('\u{000E}', '\u{001F}'),
    ('\u{007F}', '\u{009F}'),
];

fn within(ranges: &[(char, char)], c: char) -> bool {
    ranges.iter().any(|(low, high)| (*low..=*high).contains(&c))
}

/// Whether `c` is white space.
pub(crate) fn is_space(c: char) -> bool {
    within(SPACES, c)
}

/// Whether text may hold `c`: never a control character, but for tabs and line breaks in
/// multi-line text.
pub(crate) fn is_allowed(c: char, multiline: bool) -> bool {
    let forbidden = if multiline {
        CONTROLS_BUT_LINE_BREAKS
    } else {
        CONTROLS
    };
    !within(forbidden, c)
}

/// The ranges as the inside of a regular-expression class: `\u0000-\u001F\u007F-\u009F`.
fn class(ranges: &[(char, char)]) -> String {
    ranges
        .iter()
        .map(|(low, high)| match low == high {
            true => format!("\\u{:04X}", u32::from(*low)),
            false => format!("\\u{:04X}-\\u{:04X}", u32::from(*low), u32::from(*high)),
        })
        .collect()
}

/// The pattern of text that holds no forbidden character and, when `required`, at least one
/// character that is not white space.
pub(crate) fn text_pattern(multiline: bool, required: bool) -> String {
    let forbidden = class(if multiline {
        CONTROLS_BUT_LINE_BREAKS
    } else {
        CONTROLS
    });
    if required {
        let spaces = class(SPACES);
        format!("^[^{forbidden}]*[^{spaces}{forbidden}][^{forbidden}]*$")
    } else {
        format!("^[^{forbidden}]*$")
    }
}

#[cfg(test)]
mod tests {
    use regex_lite::Regex;

    use super::*;

    #[test]
    fn white_space_is_ecma_white_space() {
        for c in [
            ' ', '\t', '\n', '\u{a0}', '\u{2003}', '\u{3000}', '\u{feff}',
        ] {
            assert!(is_space(c), "{c:?}");
        }
        for c in ['a', '0', '\u{200b}', '\u{85}', '_'] {
            assert!(!is_space(c), "{c:?}");
        }
    }

    #[test]
    fn the_patterns_say_what_the_checks_do() {
        let samples = [
            "", " ", "a", " a ", "\u{3000}", "\u{feff}", "a\nb", "a\tb", "\u{7}", "a\u{85}",
            "\u{200b}", "é",
        ];
        for multiline in [false, true] {
            for required in [false, true] {
                let pattern = Regex::new(&text_pattern(multiline, required)).expect("compiles");
                for sample in samples {
                    let allowed = sample.chars().all(|c| is_allowed(c, multiline));
                    let visible = sample.chars().any(|c| !is_space(c));
                    assert_eq!(
                        pattern.is_match(sample),
                        allowed && (visible || !required),
                        "{sample:?} multiline {multiline} required {required}"
                    );
                }
            }
        }
    }
}
