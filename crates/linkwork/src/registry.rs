//! Every service of the platform, as each declares itself to the service kit. Every command
//! that runs, configures, checks or rebuilds services iterates this list; adding a service is
//! adding it here (see docs/adding-a-service.md).

use servicekit::{Projection, Service, Setting};

/// The services, in the order `up` starts them.
pub(crate) const SERVICES: &[&Service] = &[
    &referral::SERVICE,
    &directory::SERVICE,
    &outcomes::SERVICE,
    &engagement::SERVICE,
    &billing::SERVICE,
];

/// Every service's settings.
pub(crate) fn settings() -> impl Iterator<Item = &'static Setting> {
    SERVICES.iter().flat_map(|service| service.settings.iter())
}

/// Every projection, with the service whose log it folds.
pub(crate) fn projections() -> impl Iterator<Item = (&'static Service, &'static Projection)> {
    SERVICES.iter().flat_map(|service| {
        service
            .projections
            .iter()
            .map(move |projection| (*service, projection))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn named(name: &str) -> Option<&'static Service> {
        SERVICES
            .iter()
            .copied()
            .find(|service| service.name == name)
    }

    #[test]
    fn every_service_folder_is_registered() {
        let services = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../services");
        let folders = std::fs::read_dir(&services).expect("the services folder");
        for folder in folders {
            let folder = folder.expect("an entry").path();
            if !folder.join("Cargo.toml").exists() {
                continue;
            }
            let name = folder
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default();
            assert!(
                named(name).is_some(),
                "services/{name} is not in registry::SERVICES (docs/adding-a-service.md)"
            );
        }
    }

    #[test]
    fn names_settings_and_projections_are_each_unique() {
        let mut names = HashSet::new();
        for service in SERVICES {
            assert!(names.insert(service.name), "{} twice", service.name);
            assert!(
                service.name.chars().all(|c| c.is_ascii_lowercase()),
                "{}",
                service.name
            );
            for consumed in service.consumes {
                assert!(
                    named(consumed).is_some(),
                    "{} consumes unknown {consumed}",
                    service.name
                );
            }
        }
        let mut settings = HashSet::new();
        for setting in super::settings() {
            assert!(
                settings.insert(setting.name),
                "setting {} is declared twice",
                setting.name
            );
        }
        let mut projections = HashSet::new();
        for (_, projection) in super::projections() {
            assert!(
                projections.insert(projection.name),
                "projection {} twice",
                projection.name
            );
        }
    }
}
