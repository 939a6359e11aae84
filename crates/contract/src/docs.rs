//! The comments written in the protos, for documentation generated from them (the OpenAPI
//! document's descriptions, the event catalogue).

use prost_reflect::{FieldDescriptor, FileDescriptor, MessageDescriptor, MethodDescriptor};

/// The comment above the element at `path` in `file`, tidied: each line's leading space gone,
/// surrounding blank lines dropped. `None` when there is none.
fn leading(file: &FileDescriptor, path: &[i32]) -> Option<String> {
    let info = file.file_descriptor_proto().source_code_info.as_ref()?;
    let location = info
        .location
        .iter()
        .find(|location| location.path == path)?;
    let comment = location.leading_comments.as_deref()?;
    let text = comment
        .lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line).trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The comment above a message.
pub fn message(message: &MessageDescriptor) -> Option<String> {
    leading(&message.parent_file(), message.path())
}

/// The comment above a field.
pub fn field(field: &FieldDescriptor) -> Option<String> {
    leading(&field.parent_file(), field.path())
}

/// The comment above an RPC.
pub fn method(method: &MethodDescriptor) -> Option<String> {
    leading(&method.parent_file(), method.path())
}
