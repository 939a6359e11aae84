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

/// Characters that show nothing on their own: format characters (zero-width spaces and
/// joiners, the word joiner and invisible operators, soft hyphen, direction marks), the
/// combining grapheme joiner, Hangul fillers and variation selectors. Text may hold them (they
/// shape real writing), but text made only of them and white space is empty. (Only the Basic
/// Multilingual Plane is listed, so that every pattern stays `\uXXXX`, which ECMA-262, Python
/// and Rust all read alike.)
const INVISIBLES: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FFA0}', '\u{FFA0}'),
];

/// Control characters (Unicode category Cc) and the bidirectional embeddings, overrides and
/// isolates that can make text display other than it reads ("Trojan Source"), which text
/// never holds...
const CONTROLS: &[(char, char)] = &[
    ('\u{0000}', '\u{001F}'),
    ('\u{007F}', '\u{009F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2066}', '\u{2069}'),
];

/// ...except that multi-line text may hold tabs and line breaks.
const CONTROLS_BUT_LINE_BREAKS: &[(char, char)] = &[
    ('\u{0000}', '\u{0008}'),
    ('\u{000B}', '\u{000C}'),
    ('\u{000E}', '\u{001F}'),
    ('\u{007F}', '\u{009F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2066}', '\u{2069}'),
];

fn within(ranges: &[(char, char)], c: char) -> bool {
    ranges.iter().any(|(low, high)| (*low..=*high).contains(&c))
}

/// Whether `c` shows nothing: white space or an invisible character.
pub(crate) fn is_blank(c: char) -> bool {
    within(SPACES, c) || within(INVISIBLES, c)
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

/// Whether `value` is one line of text with something to show: no control characters or
/// direction overrides, and at least one character that is neither white space nor invisible.
/// The check every free-text and identifier field of the APIs makes, for APIs (FHIR) whose
/// fields are not declared in protos.
pub fn is_usable_line(value: &str) -> bool {
    value.chars().all(|c| is_allowed(c, false)) && !value.chars().all(is_blank)
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
/// character that shows (neither white space nor invisible).
pub(crate) fn text_pattern(multiline: bool, required: bool) -> String {
    let forbidden = class(if multiline {
        CONTROLS_BUT_LINE_BREAKS
    } else {
        CONTROLS
    });
    if required {
        let blanks = class(SPACES) + &class(INVISIBLES);
        format!("^[^{forbidden}]*[^{blanks}{forbidden}][^{forbidden}]*$")
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
            assert!(within(SPACES, c) && is_blank(c), "{c:?}");
        }
        for c in ['a', '0', '\u{200b}', '\u{85}', '_'] {
            assert!(!within(SPACES, c), "{c:?}");
        }
    }

    #[test]
    fn zero_width_and_direction_characters_are_blank_and_overrides_are_forbidden() {
        for c in [
            '\u{200b}', '\u{200d}', '\u{2060}', '\u{ad}', '\u{fe0f}', '\u{3164}',
        ] {
            assert!(is_blank(c) && is_allowed(c, false), "{c:?}");
        }
        for c in ['\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}'] {
            assert!(!is_allowed(c, false) && !is_allowed(c, true), "{c:?}");
        }
    }

    #[test]
    fn the_patterns_say_what_the_checks_do() {
        let samples = [
            "",
            " ",
            "a",
            " a ",
            "\u{3000}",
            "\u{feff}",
            "a\nb",
            "a\tb",
            "\u{7}",
            "a\u{85}",
            "\u{200b}",
            "é",
            "\u{200b}\u{200d} ",
            "a\u{200d}b",
            "\u{202e}abc",
            "x\u{2066}",
            "\u{ad}",
            "\u{ad}z",
        ];
        for multiline in [false, true] {
            for required in [false, true] {
                let pattern = Regex::new(&text_pattern(multiline, required)).expect("compiles");
                for sample in samples {
                    let allowed = sample.chars().all(|c| is_allowed(c, multiline));
                    let visible = sample.chars().any(|c| !is_blank(c));
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
