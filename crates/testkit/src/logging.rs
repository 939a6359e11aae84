//! Logs in tests: silent unless `TEST_LOG` is set (then it is the filter, e.g. `debug`).

/// Installs a test-friendly subscriber once per test binary.
pub fn init_logging() {
    let Ok(filter) = std::env::var("TEST_LOG") else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_test_writer()
        .try_init();
}
