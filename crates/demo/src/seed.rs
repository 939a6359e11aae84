//! Determinism: every record of the region, and every person, gets its own random stream and
//! its own id, both derived from the seed, its kind and its number alone.
//!
//! So the tenth service is the same whether 40 or 300 are loaded, a larger load adds to a
//! smaller one rather than replacing it, and a re-run sends the same ids, which the services
//! refuse as already there.

use rand::SeedableRng;
use rand::rngs::StdRng;
use uuid::Uuid;

/// The namespace of every demo id (UUID v5), so demo ids never collide with assigned ones.
const NAMESPACE: Uuid = Uuid::from_u128(0x6c77_6b64_656d_5f00_8000_4c69_6e62_7264);

/// FNV-1a over `bytes`: a fixed, documented hash (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// SplitMix64's finaliser: spreads nearby inputs far apart.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The random stream of record `index` of `kind` in the region grown from `seed`.
pub(crate) fn rng(seed: u64, kind: &str, index: usize) -> StdRng {
    let index = u64::try_from(index).unwrap_or(u64::MAX);
    StdRng::seed_from_u64(mix(mix(seed) ^ fnv1a(kind.as_bytes()) ^ mix(index)))
}

/// The id of record `index` of `kind` in the region grown from `seed`.
pub(crate) fn id(seed: u64, kind: &str, index: usize) -> Uuid {
    Uuid::new_v5(
        &NAMESPACE,
        format!("linbridge/{seed}/{kind}/{index}").as_bytes(),
    )
}

/// The id of something the same in every region (the needs taxonomy and its terms).
pub(crate) fn fixed_id(name: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("linbridge/{name}").as_bytes())
}

#[cfg(test)]
mod tests {
    use rand::Rng;

    use super::*;

    #[test]
    fn the_same_seed_kind_and_number_give_the_same_stream_and_id() {
        let draw = |seed, kind, index| rng(seed, kind, index).random::<u64>();
        assert_eq!(draw(1, "service", 7), draw(1, "service", 7));
        assert_ne!(draw(1, "service", 7), draw(1, "service", 8));
        assert_ne!(draw(1, "service", 7), draw(2, "service", 7));
        assert_ne!(draw(1, "service", 7), draw(1, "location", 7));
        assert_eq!(id(1, "service", 7), id(1, "service", 7));
        assert_ne!(id(1, "service", 7), id(1, "location", 7));
        assert_eq!(id(1, "service", 7).get_version_num(), 5);
    }
}
