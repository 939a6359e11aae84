//! Words for free-text search: lower-cased runs of letters and digits, with a plural "s"
//! dropped so "walks" finds "walk". Deliberately simple and predictable: a link worker types a
//! need or a name, not a query language.

/// Words too common to tell services apart.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with",
];

/// The searchable words of `text`, in order, repeats kept.
pub(crate) fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .filter(|word| !STOP_WORDS.contains(&word.as_str()))
        .map(|word| stem(&word).to_owned())
}

fn stem(word: &str) -> &str {
    match word.strip_suffix('s') {
        Some(stem) if stem.chars().count() >= 3 && !stem.ends_with('s') => stem,
        _ => word,
    }
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn words_are_lowercased_destopped_and_singular() {
        let found: Vec<_> = words("Walks & Talks for the Over-50s, class").collect();
        assert_eq!(found, ["walk", "talk", "over", "50s", "class"]);
    }
}
