//! One message laid out in hash blocks once, then MACed under many keys.
//!
//! HMAC's inner hash starts with one whole block (the key XOR ipad), so a message always
//! starts on a block boundary and its blocks do not depend on the key. Splitting it into
//! whole blocks and a buffered tail once leaves, per key, only the compressions themselves:
//! the key's pad states (`hmac`'s own [`HmacCore`], keyed once) run over the same blocks,
//! with no buffering or copying of the message. The known-key audit checks one blob under
//! thousands of keys this way.

use digest::block_api::{Block, Buffer, EagerHash, FixedOutputCore, UpdateCore};
use digest::{KeyInit, Output};
use digest::{OutputSizeUser, common::BlockSizeUser};
use hmac::block_api::HmacCore;
use subtle::ConstantTimeEq;

use crate::crypto::work::{Work, add, add_keying, final_blocks};

/// The HMAC pad states of one key (RFC 2104: keys longer than the block are hashed first).
pub(crate) type HmacState<D> = HmacCore<D>;

/// Keys an HMAC state. `None` only if HMAC rejects the key, which it never does.
pub(crate) fn hmac_state<D: EagerHash>(key: &[u8]) -> Option<HmacState<D>> {
    let (work, block, length) = shape::<D>();
    // The two pad blocks, after hashing a key longer than the block (RFC 2104).
    let hashed = if key.len() > block {
        final_blocks(key.len(), block, length)
    } else {
        0
    };
    add_keying(work, 2 + hashed);
    HmacCore::<D>::new_from_slice(key).ok()
}

/// What counts a compression of `D` (see [`crate::crypto::work`]), its block size and the
/// size of its length field.
fn shape<D: EagerHash>() -> (Work, usize, usize) {
    let block = <HmacCore<D> as BlockSizeUser>::block_size();
    let output = <HmacCore<D> as OutputSizeUser>::output_size();
    match (block, output) {
        (64, 16) => (Work::Md5, 64, 8),
        (64, 20) => (Work::Sha1, 64, 8),
        (64, _) => (Work::Sha256, 64, 8),
        _ => (Work::Sha512, block, 16),
    }
}

/// A message split into whole blocks and a tail, ready to be MACed under any key.
#[derive(Clone)]
pub(crate) struct PreparedMessage<D: EagerHash> {
    blocks: Vec<Block<HmacCore<D>>>,
    tail: Buffer<HmacCore<D>>,
}

impl<D: EagerHash> core::fmt::Debug for PreparedMessage<D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PreparedMessage")
            .field("blocks", &self.blocks.len())
            .field("tail", &self.tail.get_pos())
            .finish()
    }
}

impl<D: EagerHash> PreparedMessage<D> {
    /// Lays out the concatenation of `parts`.
    pub(crate) fn new(parts: &[&[u8]]) -> Self {
        let mut tail = Buffer::<HmacCore<D>>::default();
        let mut blocks = Vec::new();
        for part in parts {
            tail.digest_blocks(part, |b| blocks.extend_from_slice(b));
        }
        Self { blocks, tail }
    }

    /// The HMAC of the message under `key`.
    pub(crate) fn mac(&self, key: &HmacState<D>) -> Output<HmacCore<D>> {
        let (work, block, length) = shape::<D>();
        let output = <HmacCore<D> as OutputSizeUser>::output_size();
        add(
            work,
            self.blocks.len()
                + final_blocks(self.tail.get_pos(), block, length)
                + final_blocks(output, block, length),
        );
        let mut state = key.clone();
        state.update_blocks(&self.blocks);
        let mut out = Output::<HmacCore<D>>::default();
        state.finalize_fixed_core(&mut self.tail.clone(), &mut out);
        out
    }

    /// Constant-time check of `tag` against the HMAC of the message under `key`.
    pub(crate) fn verify(&self, key: &HmacState<D>, tag: &[u8]) -> bool {
        let mac = self.mac(key);
        if mac.len() != tag.len() {
            return false;
        }
        // One constant-time decision over the OR of all byte differences: no branch or
        // early exit depends on where the tags differ.
        let diff = mac.iter().zip(tag).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        bool::from(diff.ct_eq(&0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha1::Sha1;
    use sha2::{Sha256, Sha384, Sha512};

    fn same_as_hmac<D: EagerHash>()
    where
        Hmac<D>: Mac + KeyInit,
    {
        // Messages on both sides of every block boundary, keys short, exact and long.
        for key_len in [0usize, 1, 20, 64, 65, 128, 129, 200] {
            let key: Vec<u8> = (0..key_len).map(|i| i.to_le_bytes()[0]).collect();
            let state = hmac_state::<D>(&key).unwrap();
            for msg_len in [0usize, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 300] {
                let msg: Vec<u8> = (0..msg_len).map(|i| (i * 7).to_le_bytes()[0]).collect();
                let (a, b) = msg.split_at(msg_len / 3);
                let prepared = PreparedMessage::<D>::new(&[a, b]);
                let mut reference = <Hmac<D> as KeyInit>::new_from_slice(&key).unwrap();
                reference.update(&msg);
                let expected = reference.finalize().into_bytes();
                assert_eq!(prepared.mac(&state).as_slice(), expected.as_slice());
                assert!(prepared.verify(&state, &expected));
                let mut wrong = expected.to_vec();
                wrong[0] ^= 1;
                assert!(!prepared.verify(&state, &wrong));
                assert!(!prepared.verify(&state, &expected[1..]));
            }
        }
    }

    #[test]
    fn equals_the_hmac_crate() {
        same_as_hmac::<Sha1>();
        same_as_hmac::<Sha256>();
        same_as_hmac::<Sha384>();
        same_as_hmac::<Sha512>();
    }
}
