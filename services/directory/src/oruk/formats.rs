//! Checks for the fields whose `format` the HSDS schema asserts (`uri`, `email`): we serve a
//! URL or an e-mail address only if it is well formed, since one bad field would make a whole
//! page invalid for a consumer that validates, and a link worker cannot use it anyway.

/// Whether `text` is an absolute URI: a scheme, a colon, and no spaces.
pub(super) fn is_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_chars = scheme.chars();
    scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether `text` looks like an e-mail address: one `@` between a local part and a dotted
/// domain, no spaces.
pub(super) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::{is_email, is_uri};

    #[test]
    fn only_well_formed_uris_and_emails_are_served() {
        assert!(is_uri("https://example.org/walks"));
        assert!(is_uri("mailto:hello@example.org"));
        assert!(!is_uri("www.example.org"));
        assert!(!is_uri("https://example.org/a walk"));
        assert!(is_email("hello@example.org"));
        assert!(!is_email("hello@"));
        assert!(!is_email("hello@localhost"));
        assert!(!is_email("a@b@example.org"));
    }
}
