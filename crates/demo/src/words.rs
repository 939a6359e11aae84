//! The words the region is made of: its districts, streets, venues, people's names and the
//! kinds of organisation found there. All invented; any likeness to a real place or group is
//! chance.

/// The nine districts, by postcode district: `LW1` is `DISTRICTS[0]`. They lie on a 3 × 3
/// grid, north-west to south-east; Linbridge itself is the centre (`LW5`).
pub(crate) const DISTRICTS: [&str; 9] = [
    "Hollinsgate",
    "Ravensby",
    "Wexley",
    "Fernmoor",
    "Linbridge",
    "Castlebrook",
    "Oakhythe",
    "Saltmarrow",
    "Brindlecombe",
];

/// The county, for addresses.
pub(crate) const COUNTY: &str = "Linshire";

/// Street names, for addresses.
pub(crate) const STREETS: [&str; 14] = [
    "Station Road",
    "Church Lane",
    "Mill Street",
    "High Street",
    "Victoria Road",
    "Park Avenue",
    "Canal Side",
    "Market Place",
    "Chapel Row",
    "Queen Street",
    "Orchard Way",
    "Brook Lane",
    "Tanners Walk",
    "Ropewalk",
];

/// Kinds of venue, as a name pattern (`{place}`: the district, `{saint}`, `{tree}`) and a note
/// on access.
pub(crate) const VENUES: [(&str, &str); 10] = [
    (
        "{place} Community Hall",
        "Step-free access and an accessible toilet; parking at the rear.",
    ),
    (
        "{place} Library",
        "Ground-floor meeting room; hearing loop at the front desk.",
    ),
    (
        "{place} Park Pavilion",
        "Meet at the pavilion by the main gates; toilets open during sessions.",
    ),
    (
        "{place} Medical Centre",
        "Use the side entrance to the community room; ramp access.",
    ),
    (
        "St {saint}'s Church Hall",
        "Entrance on the lane beside the church; one step at the door.",
    ),
    (
        "{place} Leisure Centre",
        "Ask at reception; lift to the first-floor studio.",
    ),
    (
        "The {tree} Centre, {place}",
        "Community centre with a café; step-free throughout.",
    ),
    (
        "{place} Allotments",
        "Gravel paths; raised beds reachable from a wheelchair.",
    ),
    (
        "{place} Methodist Hall",
        "Back hall; accessible toilet; tea and coffee on arrival.",
    ),
    (
        "{place} Community Café",
        "Street-level café on the parade; quiet room available.",
    ),
];

/// Saints of church halls.
pub(crate) const SAINTS: [&str; 8] = [
    "Aidan", "Bede", "Chad", "Hilda", "Oswald", "Wilfrid", "Cuthbert", "Werburgh",
];

/// Trees of community centres.
pub(crate) const TREES: [&str; 6] = ["Willow", "Rowan", "Hawthorn", "Alder", "Beech", "Linden"];

/// Given names, for contacts.
pub(crate) const GIVEN_NAMES: [&str; 24] = [
    "Amira", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hamza", "Isla", "Jack", "Kiran",
    "Leah", "Marek", "Nadia", "Owen", "Priya", "Rhys", "Sana", "Tom", "Una", "Vikram", "Wendy",
    "Yusuf", "Zoe",
];

/// Family names, for contacts and GPs.
pub(crate) const FAMILY_NAMES: [&str; 24] = [
    "Ahmed",
    "Brennan",
    "Clarke",
    "Dhillon",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Nowak",
    "Okafor",
    "Patel",
    "Quinn",
    "Roberts",
    "Shah",
    "Turner",
    "Usman",
    "Walsh",
    "Young",
    "Zielinski",
];

/// Kinds of VCSE organisation: a name pattern (`{place}`: the district), what it does, its
/// legal form, and the codes of the needs its services meet (see `taxonomy`). Ordered so the
/// first few between them cover every need, so even a small region has a service for each.
pub(crate) const ORGANISATIONS: [(&str, &str, &str, &[&str]); 17] = [
    (
        "{place} Community Trust",
        "Runs the community centre and a programme of groups for everyone in {place}.",
        "Charitable incorporated organisation",
        &["loneliness", "arts", "digital-inclusion"],
    ),
    (
        "Age Well {place}",
        "Supports older people in {place} to stay active, connected and independent.",
        "Registered charity",
        &["befriending", "physical-activity", "loneliness"],
    ),
    (
        "{place} Wellbeing Network",
        "Peer support and courses for people living with low mood, anxiety or loss.",
        "Charitable incorporated organisation",
        &["mental-wellbeing", "bereavement"],
    ),
    (
        "{place} Advice Centre",
        "Free, independent advice on money, benefits and housing.",
        "Registered charity",
        &["money", "benefits", "housing"],
    ),
    (
        "{place} Carers' Network",
        "Information, breaks and friendship for unpaid carers.",
        "Registered charity",
        &["carers", "befriending"],
    ),
    (
        "Friends of {place} Park",
        "Volunteers who look after the park and run outdoor activities in it.",
        "Unincorporated association",
        &["walking", "gardening"],
    ),
    (
        "{place} Food Partnership",
        "Cooking, growing and affordable food for households in {place}.",
        "Community interest company",
        &["healthy-eating", "money"],
    ),
    (
        "{place} Digital Champions",
        "Volunteers who help people get online and into work.",
        "Community interest company",
        &["digital-inclusion", "employment"],
    ),
    (
        "{place} Arts Collective",
        "Artists running creative groups open to all.",
        "Community interest company",
        &["arts", "mental-wellbeing"],
    ),
    (
        "{place} Volunteer Centre",
        "Matches volunteers with local groups and helps people into work.",
        "Registered charity",
        &["employment", "befriending"],
    ),
    (
        "{place} Housing Aid",
        "Help to find, keep and improve a home.",
        "Registered charity",
        &["housing", "money"],
    ),
    (
        "{place} Allotment Society",
        "Plot-holders sharing tools, seeds and know-how.",
        "Unincorporated association",
        &["gardening", "healthy-eating"],
    ),
    (
        "{place} Walkers",
        "Led walks for all abilities around {place}.",
        "Unincorporated association",
        &["walking", "physical-activity"],
    ),
    (
        "Open Door {place}",
        "A drop-in and peer support for anyone having a hard time.",
        "Registered charity",
        &["mental-wellbeing", "loneliness"],
    ),
    (
        "{place} Good Neighbours",
        "Volunteers who visit, phone and help out neighbours living alone.",
        "Registered charity",
        &["befriending", "loneliness"],
    ),
    (
        "{place} Active Communities",
        "Low-cost exercise for people who are not sporty.",
        "Community interest company",
        &["physical-activity", "walking"],
    ),
    (
        "{place} Bereavement Companions",
        "Trained volunteers who listen and support after a death.",
        "Registered charity",
        &["bereavement", "mental-wellbeing"],
    ),
];

/// `text` with `{place}` replaced.
pub(crate) fn at_place(text: &str, place: &str) -> String {
    text.replace("{place}", place)
}

/// A name as a lower-case host label: letters and digits, words joined by hyphens.
pub(crate) fn slug(name: &str) -> String {
    let mut slug = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_host_labels() {
        assert_eq!(slug("{place} Carers' Network"), "place-carers-network");
        assert_eq!(slug("Age Well Fernmoor"), "age-well-fernmoor");
    }

    #[test]
    fn the_first_organisations_between_them_meet_every_need() {
        let covered: std::collections::BTreeSet<&str> = ORGANISATIONS[..8]
            .iter()
            .flat_map(|(_, _, _, needs)| needs.iter().copied())
            .collect();
        for term in crate::taxonomy::TERMS {
            assert!(covered.contains(term.code), "{}", term.code);
        }
    }
}
