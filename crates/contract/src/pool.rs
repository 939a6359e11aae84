//! The descriptors of every compiled proto, decoded once.

use std::sync::OnceLock;

use prost_reflect::DescriptorPool;

/// Every message, service and option the protos declare.
pub fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        // The set is compiled into the binary by the proto crate's build; if it did not decode,
        // no test and no start could pass, so this is a build fault, not a run-time one.
        DescriptorPool::decode(proto::FILE_DESCRIPTOR_SET)
            .expect("the compiled descriptor set decodes")
    })
}
