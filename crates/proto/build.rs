//! Compiles every `.proto` under the workspace's `proto/` folder with protox (no system `protoc`)
//! and writes, beside the generated code:
//!
//! - `linkwork_descriptor.bin`: the descriptor set, custom options included, for gRPC reflection
//!   and for everything read from the descriptors at run time (JSON routes, field limits, the
//!   event catalogue);
//! - `linkwork_packages.rs`: a module per `linkwork.<area>.v1` package, so a new package needs
//!   no edit here, and an `impl Published` for every message marked as a published event.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use prost_reflect::{DescriptorPool, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let mut files = Vec::new();
    collect_protos(&root, &root, &mut files)?;
    files.sort();
    println!("cargo:rerun-if-changed={}", root.display());

    let mut compiler = protox::Compiler::new([&root])?;
    compiler
        .include_source_info(true)
        .include_imports(true)
        .open_files(&files)?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    // Encoded by protox itself: prost's own types would drop the custom options.
    std::fs::write(
        out_dir.join("linkwork_descriptor.bin"),
        compiler.encode_file_descriptor_set(),
    )?;
    let pool = compiler.descriptor_pool();
    std::fs::write(out_dir.join("linkwork_packages.rs"), packages(&pool)?)?;
    let mut config = prost_build::Config::new();
    // Every message names itself (`prost::Name`), so code holding a generated message can find
    // its descriptor, and with it the routes, limits and contracts declared on it.
    config.enable_type_names();
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds_with_config(compiler.file_descriptor_set(), config)?;
    Ok(())
}

fn collect_protos(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(root, &path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "proto") {
            println!("cargo:rerun-if-changed={}", path.display());
            // protox names files by their path under an include folder.
            if let Ok(relative) = path.strip_prefix(root) {
                out.push(relative.to_owned());
            }
        }
    }
    Ok(())
}

/// The module tree of every `linkwork.<area>.<version>` package, and the `Published` impls.
fn packages(pool: &DescriptorPool) -> Result<String, Box<dyn std::error::Error>> {
    let mut areas: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in pool.files() {
        let package = file.package_name();
        let parts: Vec<&str> = package.split('.').collect();
        if let ["linkwork", area, version] = parts[..] {
            let versions = areas.entry(area.to_owned()).or_default();
            if !versions.iter().any(|known| known == version) {
                versions.push(version.to_owned());
            }
        }
    }
    let mut out = String::new();
    for (area, versions) in &areas {
        writeln!(
            out,
            "/// The `linkwork.{area}.*` packages.\npub mod {area} {{"
        )?;
        for version in versions {
            writeln!(
                out,
                "    /// `linkwork.{area}.{version}`, from `proto/linkwork/{area}/{version}`.\n    \
                 pub mod {version} {{\n        tonic::include_proto!(\"linkwork.{area}.{version}\");\n    }}"
            )?;
        }
        writeln!(out, "}}")?;
    }
    let Some(event) = pool.get_extension_by_name("linkwork.events.v1.event") else {
        return Err("proto/linkwork/events/v1/published.proto is missing".into());
    };
    for message in pool.all_messages() {
        let options = message.options();
        if !options.has_extension(&event) {
            continue;
        }
        let marked = options.get_extension(&event);
        let Value::Message(marked) = marked.as_ref() else {
            continue;
        };
        let text = |name: &str| {
            marked
                .get_field_by_name(name)
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let (event_type, category) = (text("type"), text("category"));
        let package: Vec<&str> = message.package_name().split('.').collect();
        let ["linkwork", service, version] = package[..] else {
            return Err(format!(
                "{} is not in a linkwork.<service>.<version> package",
                message.full_name()
            )
            .into());
        };
        if event_type.is_empty() || category.is_empty() {
            return Err(format!(
                "{}: a published event needs a type and a category",
                message.full_name()
            )
            .into());
        }
        writeln!(
            out,
            "impl crate::Published for {service}::{version}::{name} {{\n    \
             const SERVICE: &'static str = \"{service}\";\n    \
             const CATEGORY: &'static str = \"{category}\";\n    \
             const EVENT_TYPE: &'static str = \"{event_type}\";\n}}",
            name = message.name(),
        )?;
    }
    Ok(out)
}
