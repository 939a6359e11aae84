//! The region's vocabulary of social prescribing needs: fifteen terms, a few under broader
//! ones, each with what services meeting it are called, the goals people set about it, and
//! the need the referral service records for it in a "what matters to me" assessment.
//!
//! The same in every region (its ids do not depend on the seed), so loading a second seed into
//! one instance shares it.

use uuid::Uuid;

use crate::seed;

/// One need in the taxonomy.
#[derive(Debug)]
pub(crate) struct Term {
    /// Its code in the taxonomy (and the seed of its id).
    pub(crate) code: &'static str,
    /// Its name, as link workers see it.
    pub(crate) name: &'static str,
    /// What it covers.
    pub(crate) description: &'static str,
    /// The broader term's code, if it has one.
    pub(crate) parent: Option<&'static str>,
    /// The referral service's assessment need it is recorded as.
    pub(crate) need: &'static str,
    /// Services meeting it: a name pattern (`{place}`: the district) and a description.
    pub(crate) services: &'static [(&'static str, &'static str)],
    /// Goals people agree about it, in their words.
    pub(crate) goals: &'static [&'static str],
    /// How often people are referred with it, relative to the others.
    pub(crate) weight: u32,
}

/// The taxonomy's name.
pub(crate) const NAME: &str = "Linbridge social prescribing needs";

/// Every term, each broader one before those under it.
pub(crate) const TERMS: [Term; 15] = [
    Term {
        code: "loneliness",
        name: "Loneliness and isolation",
        description: "Feeling alone, or having few people to see or talk to.",
        parent: None,
        need: "loneliness",
        services: &[
            (
                "{place} Friendship Café",
                "A relaxed weekly café where people who live alone meet neighbours over tea and cake.",
            ),
            (
                "{place} Lunch Club",
                "A hot two-course lunch and good company, with transport for those who need it.",
            ),
            (
                "{place} Men's Shed",
                "A workshop where people make, mend and chat side by side.",
            ),
        ],
        goals: &[
            "get out of the house twice a week",
            "meet people who like the same things as me",
            "have someone to talk to most days",
        ],
        weight: 10,
    },
    Term {
        code: "befriending",
        name: "Befriending",
        description: "A regular visit or call from a volunteer.",
        parent: Some("loneliness"),
        need: "loneliness",
        services: &[
            (
                "{place} Telephone Befriending",
                "A trained volunteer rings for a chat at the same time every week.",
            ),
            (
                "Good Neighbours {place}",
                "Volunteers visit at home for a cuppa, a chat or a short walk to the shops.",
            ),
        ],
        goals: &["have a regular visitor", "feel less alone in the evenings"],
        weight: 4,
    },
    Term {
        code: "physical-activity",
        name: "Physical activity",
        description: "Moving more, whatever someone's starting point.",
        parent: None,
        need: "physical-activity",
        services: &[
            (
                "Move More {place}",
                "Gentle exercise classes for all abilities, with seated options.",
            ),
            (
                "{place} Chair Yoga",
                "Seated yoga to build strength, balance and confidence.",
            ),
        ],
        goals: &[
            "walk to the shops without stopping",
            "get fitter before my operation",
            "feel steadier on my feet",
        ],
        weight: 6,
    },
    Term {
        code: "walking",
        name: "Walking",
        description: "Led walks and walking groups.",
        parent: Some("physical-activity"),
        need: "physical-activity",
        services: &[
            (
                "{place} Health Walks",
                "Free, friendly led walks of 30 to 60 minutes on the flat, ending with a cuppa.",
            ),
            (
                "{place} Strollers",
                "A weekly walking group exploring the parks and canal paths.",
            ),
        ],
        goals: &[
            "walk for half an hour without stopping",
            "get to know the local parks",
        ],
        weight: 5,
    },
    Term {
        code: "gardening",
        name: "Gardening and green spaces",
        description: "Growing, conservation and time outdoors.",
        parent: Some("physical-activity"),
        need: "physical-activity",
        services: &[
            (
                "{place} Community Garden",
                "Grow fruit and vegetables together on a shared plot; tools and gloves provided.",
            ),
            (
                "Green Gym {place}",
                "Outdoor conservation sessions: planting, path-clearing and fresh air.",
            ),
        ],
        goals: &["grow my own vegetables", "spend more time outdoors"],
        weight: 4,
    },
    Term {
        code: "mental-wellbeing",
        name: "Mental wellbeing",
        description: "Low mood, stress and anxiety that do not need specialist care.",
        parent: None,
        need: "mental-wellbeing",
        services: &[
            (
                "{place} Wellbeing Circle",
                "A peer support group for people feeling low, anxious or stressed.",
            ),
            (
                "Mindful {place}",
                "A six-week course in simple ways to manage worry.",
            ),
        ],
        goals: &[
            "feel less anxious when I leave the house",
            "sleep better",
            "have something to look forward to each week",
        ],
        weight: 9,
    },
    Term {
        code: "bereavement",
        name: "Bereavement support",
        description: "Support after the death of someone close.",
        parent: Some("mental-wellbeing"),
        need: "mental-wellbeing",
        services: &[
            (
                "{place} Bereavement Café",
                "A gentle drop-in for anyone grieving, however long ago the loss.",
            ),
            (
                "Living With Loss {place}",
                "One-to-one listening support after the death of someone close.",
            ),
        ],
        goals: &[
            "talk to people who know what losing someone is like",
            "get back to things I used to enjoy",
        ],
        weight: 3,
    },
    Term {
        code: "money",
        name: "Debt and money advice",
        description: "Debts, budgeting, bills and the cost of living.",
        parent: None,
        need: "money",
        services: &[
            (
                "{place} Money Advice",
                "Free, confidential help with debts, budgeting and dealing with creditors.",
            ),
            (
                "Fuel Bank {place}",
                "Help with energy bills, fuel vouchers and keeping warm for less.",
            ),
        ],
        goals: &[
            "get my debts under control",
            "stop worrying about the bills",
            "make a budget I can stick to",
        ],
        weight: 7,
    },
    Term {
        code: "benefits",
        name: "Benefits advice",
        description: "Checking entitlements, claims, forms and appeals.",
        parent: Some("money"),
        need: "money",
        services: &[
            (
                "{place} Benefits Surgery",
                "Drop-in help to check entitlements and fill in benefit forms and appeals.",
            ),
            (
                "Welfare Rights {place}",
                "Advice and representation for PIP, Universal Credit and Attendance Allowance.",
            ),
        ],
        goals: &[
            "get the benefits I'm entitled to",
            "get help with my PIP form",
        ],
        weight: 5,
    },
    Term {
        code: "housing",
        name: "Housing",
        description: "Problems with a home, or finding one.",
        parent: None,
        need: "housing",
        services: &[
            (
                "{place} Housing Advice",
                "Advice on tenancy problems, repairs, homelessness and moving home.",
            ),
            (
                "Warm Homes {place}",
                "Home visits to help with damp, cold and small repairs.",
            ),
        ],
        goals: &[
            "sort out the damp in my flat",
            "find somewhere more suitable to live",
        ],
        weight: 5,
    },
    Term {
        code: "carers",
        name: "Carers support",
        description: "Support for people caring, unpaid, for someone else.",
        parent: None,
        need: "caring",
        services: &[
            (
                "{place} Carers' Café",
                "Time out for unpaid carers to meet others, with information and advice.",
            ),
            (
                "Carers' Breaks {place}",
                "Short breaks and a sitting service so carers can rest.",
            ),
        ],
        goals: &["have a break from caring", "meet other carers"],
        weight: 4,
    },
    Term {
        code: "arts",
        name: "Arts and creativity",
        description: "Making, singing, writing and performing together.",
        parent: None,
        need: "mental-wellbeing",
        services: &[
            (
                "{place} Art Club",
                "Painting and drawing for beginners; materials provided.",
            ),
            (
                "{place} Community Choir",
                "No auditions and no reading music: just come and sing.",
            ),
        ],
        goals: &[
            "try something creative",
            "join a group doing something I enjoy",
        ],
        weight: 4,
    },
    Term {
        code: "healthy-eating",
        name: "Healthy eating",
        description: "Cooking, eating well and affordable food.",
        parent: None,
        need: "physical-activity",
        services: &[
            (
                "{place} Cook and Eat",
                "Learn to cook simple, cheap, healthy meals, then share them.",
            ),
            (
                "{place} Community Pantry",
                "A low-cost food shop with cooking tips and recipe cards.",
            ),
        ],
        goals: &["eat more healthily on a budget", "learn to cook for one"],
        weight: 3,
    },
    Term {
        code: "employment",
        name: "Employment and skills",
        description: "Work, training and volunteering.",
        parent: None,
        need: "employment",
        services: &[
            (
                "{place} Job Club",
                "Help with CVs, applications and interview practice.",
            ),
            (
                "Volunteer Centre {place}",
                "Find volunteering that builds confidence and skills.",
            ),
        ],
        goals: &["get back into work", "find some volunteering"],
        weight: 4,
    },
    Term {
        code: "digital-inclusion",
        name: "Digital inclusion",
        description: "Getting online: devices, skills and confidence.",
        parent: None,
        need: "employment",
        services: &[
            (
                "{place} Digital Drop-in",
                "Friendly help with phones, tablets, e-mail and online forms.",
            ),
            (
                "Get Online {place}",
                "A six-week course for people new to the internet; devices loaned.",
            ),
        ],
        goals: &[
            "use a smartphone to keep in touch with family",
            "order my prescriptions online",
        ],
        weight: 3,
    },
];

/// The taxonomy's id.
pub(crate) fn taxonomy_id() -> Uuid {
    seed::fixed_id("taxonomy")
}

/// The id of the term with `code`.
pub(crate) fn term_id(code: &str) -> Uuid {
    seed::fixed_id(&format!("term/{code}"))
}

/// The index of the term with `code` (codes come from this module's own tables).
pub(crate) fn index_of(code: &str) -> Option<usize> {
    TERMS.iter().position(|term| term.code == code)
}

#[cfg(test)]
mod tests {
    use referral::domain::referral::Need;

    use super::*;

    #[test]
    fn broader_terms_come_first_and_every_need_is_the_referral_services() {
        let needs = Need::ALL.map(Need::code);
        for (index, term) in TERMS.iter().enumerate() {
            if let Some(parent) = term.parent {
                let at = index_of(parent).expect("the parent is a term");
                assert!(at < index, "{} before {}", parent, term.code);
                assert!(TERMS[at].parent.is_none(), "one level deep");
            }
            assert!(needs.contains(&term.need), "{}", term.need);
            assert!(!term.services.is_empty() && !term.goals.is_empty());
        }
        let codes: std::collections::BTreeSet<_> = TERMS.iter().map(|t| t.code).collect();
        assert_eq!(codes.len(), TERMS.len(), "codes are unique");
    }
}
