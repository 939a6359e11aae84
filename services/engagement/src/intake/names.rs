//! The intake's names on the bus: the integrations stream, the subject each integrator
//! publishes on, and the subjects the service may answer on.
//!
//! An integrator is named by the last token of its subject, and nothing else: the deployment's
//! NATS authorization lets each integrator's user publish on its own subject only, so the
//! subject is the credential. Answers go only to subjects under the integrator's own reply
//! space, never to one an integrator names elsewhere: otherwise one integrator could have the
//! service publish onto another's subject, or into a service's stream.

use messaging::BusNames;

/// The stream's name and subjects, as a service's would be named: `<PREFIX>_INTEGRATIONS`,
/// holding `<prefix>.integrations.>` (so tools and tests that find a deployment's streams by
/// prefix find it too).
const STREAM: &str = "integrations";

/// The intake's names in one deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeNames {
    prefix: String,
}

impl IntakeNames {
    /// The names under the deployment's bus `prefix` (e.g. `linkwork`).
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// The integrations stream: `<PREFIX>_INTEGRATIONS`, holding `<prefix>.integrations.>`.
    pub fn stream(&self) -> BusNames {
        BusNames::new(&self.prefix, STREAM)
    }

    /// The subject `integrator` (its organisation code) publishes its summaries on:
    /// `<prefix>.integrations.engagement.evidence.<integrator>`.
    pub fn subject(&self, integrator: &str) -> String {
        format!("{}.{STREAM}.engagement.evidence.{integrator}", self.prefix)
    }

    /// Every integrator's subject: what the intake's consumer takes.
    pub(crate) fn every_integrator(&self) -> String {
        self.subject("*")
    }

    /// The integrator whose subject `subject` is, if it is one.
    pub fn integrator_of<'a>(&self, subject: &'a str) -> Option<&'a str> {
        subject
            .strip_prefix(&self.subject(""))
            .filter(|integrator| is_token(integrator))
    }

    /// The subjects `integrator` may ask its answers on, each under
    /// `<prefix>.replies.engagement.evidence.<integrator>.` — outside the integrations stream,
    /// so no answer is taken in again.
    pub fn reply_space(&self, integrator: &str) -> String {
        format!("{}.replies.engagement.evidence.{integrator}", self.prefix)
    }

    /// Whether `subject` is one of `integrator`'s reply subjects (a plain subject, without
    /// wildcards).
    pub(crate) fn may_answer_on(&self, integrator: &str, subject: &str) -> bool {
        subject
            .strip_prefix(&self.reply_space(integrator))
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|rest| rest.split('.').all(is_token))
    }
}

/// Whether `token` is one token of a plain subject.
fn is_token(token: &str) -> bool {
    !token.is_empty()
        && !token
            .chars()
            .any(|c| matches!(c, '.' | '*' | '>') || c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::IntakeNames;

    #[test]
    fn an_integrator_is_the_last_token_of_its_subject() {
        let names = IntakeNames::new("lw");
        assert_eq!(
            names.subject("ACME"),
            "lw.integrations.engagement.evidence.ACME"
        );
        assert_eq!(
            names.integrator_of("lw.integrations.engagement.evidence.ACME"),
            Some("ACME")
        );
        assert_eq!(
            names.integrator_of("lw.integrations.engagement.evidence."),
            None
        );
        assert_eq!(
            names.integrator_of("lw.integrations.engagement.evidence.A.B"),
            None
        );
        assert_eq!(
            names.integrator_of("xx.integrations.engagement.evidence.A"),
            None
        );
        assert_eq!(names.stream().stream_name(), "LW_INTEGRATIONS");
        assert_eq!(names.stream().all_subjects(), "lw.integrations.>");
    }

    #[test]
    fn answers_go_only_to_the_integrators_own_reply_space() {
        let names = IntakeNames::new("lw");
        let ok = "lw.replies.engagement.evidence.ACME.batch-7";
        assert!(names.may_answer_on("ACME", ok));
        assert!(names.may_answer_on("ACME", "lw.replies.engagement.evidence.ACME.a.b"));
        assert!(!names.may_answer_on("OTHER", ok));
        assert!(!names.may_answer_on("ACME", "lw.replies.engagement.evidence.ACME"));
        assert!(!names.may_answer_on("ACME", "lw.replies.engagement.evidence.ACMEX.a"));
        assert!(!names.may_answer_on("ACME", "lw.replies.engagement.evidence.ACME.>"));
        assert!(!names.may_answer_on("ACME", "lw.replies.engagement.evidence.ACME.a..b"));
        assert!(!names.may_answer_on("ACME", "lw.integrations.engagement.evidence.OTHER"));
    }
}
