use std::collections::HashMap;
use std::io::Write;

use super::{Overrides, PLATFORM_KEYS, ServiceFlags};
use crate::registry;

fn file(contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    file.write_all(contents.as_bytes()).expect("write");
    file
}

fn flags(pairs: &[(&str, &str)]) -> ServiceFlags {
    ServiceFlags(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<HashMap<_, _>>(),
    )
}

#[test]
fn flags_beat_the_file_and_the_file_beats_defaults() {
    let config = file("tenant = \"QWE\"\nhttp = \"127.0.0.1:9000\"\nstale_after_days = 90\n");
    let (platform, given) = Overrides {
        config: Some(config.path().to_owned()),
        http: Some(([127, 0, 0, 1], 9100).into()),
        ..Overrides::default()
    }
    .resolve(flags(&[("allow_test_nhs_numbers", "true")]), false)
    .expect("valid");
    assert_eq!(platform.http, ([127, 0, 0, 1], 9100).into());
    assert_eq!(platform.tenant, "QWE");
    assert_eq!(
        given.get("stale_after_days").map(String::as_str),
        Some("90")
    );
    assert_eq!(
        given.get("allow_test_nhs_numbers").map(String::as_str),
        Some("true")
    );
    assert_eq!(platform.grpc, ([127, 0, 0, 1], 50051).into());
    assert_eq!(platform.data_dir, std::path::PathBuf::from("linkwork-data"));
    let (_, given) = Overrides {
        config: Some(config.path().to_owned()),
        ..Overrides::default()
    }
    .resolve(flags(&[("stale_after_days", "30")]), false)
    .expect("valid");
    assert_eq!(
        given.get("stale_after_days").map(String::as_str),
        Some("30")
    );
}

#[test]
fn a_bad_setting_is_refused_naming_it() {
    let message = |overrides: Overrides| {
        format!(
            "{:#}",
            overrides
                .resolve(ServiceFlags::default(), false)
                .expect_err("refused")
        )
    };
    let typo = file("tennant = \"QWE\"\n");
    let text = message(Overrides {
        config: Some(typo.path().to_owned()),
        ..Overrides::default()
    });
    assert!(text.contains("tennant"), "{text}");
    let wrong_type = file("http = \"soon\"\n");
    let text = message(Overrides {
        config: Some(wrong_type.path().to_owned()),
        ..Overrides::default()
    });
    assert!(text.contains("http"), "{text}");
    let text = message(Overrides {
        tenant: Some(" ".into()),
        ..Overrides::default()
    });
    assert!(text.starts_with("tenant"), "{text}");
    let text = message(Overrides {
        database_url: Some("mysql://x".into()),
        ..Overrides::default()
    });
    assert!(text.starts_with("database_url"), "{text}");
    let text = message(Overrides {
        config: Some("/nonexistent/linkwork.toml".into()),
        ..Overrides::default()
    });
    assert!(text.starts_with("--config"), "{text}");
    let required = Overrides::default()
        .resolve(ServiceFlags::default(), true)
        .expect_err("serve needs a tenant");
    assert!(format!("{required:#}").starts_with("tenant"));
}

#[test]
fn no_service_setting_takes_a_platform_settings_name() {
    for setting in registry::settings() {
        assert!(!PLATFORM_KEYS.contains(&setting.name), "{}", setting.name);
    }
}
