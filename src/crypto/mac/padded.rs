//! HMAC-SHA1 and HMAC-SHA256 with the whole message padding done once.
//!
//! For a message MACed under many keys (the audit), [`PreparedMessage`](super::PreparedMessage)
//! still pads the last block, serialises the inner digest and pads the outer block for
//! every key. For the 64-byte-block hashes that dominate legacy validation (SHA-1 is the
//! default, HMACSHA256 the next), this module does all of that once: the message's blocks
//! *including* its final padding (its length counts the key's ipad block), and the outer
//! block's padding. Per key there remain the two compressions of RFC 2104's inner and
//! outer hash, started from the key's pad states, and a constant-time comparison. The
//! compression functions are the `sha1` and `sha2` crates' own; the initial values and the
//! padding rule are those of FIPS 180-4 (§5.3.2/§5.3.3, §5.1.1). Tests check every length
//! around the block boundaries against the `hmac` crate.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::work::{Work, add, add_keying};

const BLOCK: usize = 64;
const IPAD: u8 = 0x36;
const OPAD: u8 = 0x5c;

type Compress<const N: usize> = fn(&mut [u32; N], &[[u8; BLOCK]]);

/// A Merkle-Damgard hash with 64-byte blocks and `N` 32-bit big-endian state words.
#[derive(Clone, Copy)]
pub(crate) struct Md32<const N: usize> {
    iv: [u32; N],
    compress: Compress<N>,
    work: Work,
}

/// SHA-1: FIPS 180-4 §5.3.1.
pub(crate) const SHA1: Md32<5> = Md32 {
    iv: [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ],
    compress: sha1::block_api::compress,
    work: Work::Sha1,
};

/// SHA-256: FIPS 180-4 §5.3.3.
pub(crate) const SHA256: Md32<8> = Md32 {
    iv: [
        0x6A09_E667,
        0xBB67_AE85,
        0x3C6E_F372,
        0xA54F_F53A,
        0x510E_527F,
        0x9B05_688C,
        0x1F83_D9AB,
        0x5BE0_CD19,
    ],
    compress: sha2::block_api::compress256,
    work: Work::Sha256,
};

/// The inner and outer pad states of one key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct PadStates<const N: usize> {
    inner: [u32; N],
    outer: [u32; N],
}

/// A message with its inner-hash padding, and the outer block's padding.
#[derive(Clone)]
pub(crate) struct PaddedMessage<const N: usize> {
    hash: Md32<N>,
    blocks: Vec<[u8; BLOCK]>,
    outer: [u8; BLOCK],
}

impl<const N: usize> core::fmt::Debug for PaddedMessage<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PaddedMessage")
            .field("blocks", &self.blocks.len())
            .finish()
    }
}

/// FIPS 180-4 §5.1.1 padding of `message` as the continuation of `prefix_blocks` blocks.
fn padded(parts: &[&[u8]], prefix_blocks: usize) -> Option<Vec<[u8; BLOCK]>> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let bits = u64::try_from(len.checked_add(prefix_blocks.checked_mul(BLOCK)?)?)
        .ok()?
        .checked_mul(8)?;
    let mut bytes = Vec::with_capacity((len + 9).div_ceil(BLOCK) * BLOCK);
    for part in parts {
        bytes.extend_from_slice(part);
    }
    bytes.push(0x80);
    while bytes.len() % BLOCK != BLOCK - 8 {
        bytes.push(0);
    }
    bytes.extend_from_slice(&bits.to_be_bytes());
    Some(
        bytes
            .chunks_exact(BLOCK)
            .filter_map(|c| <[u8; BLOCK]>::try_from(c).ok())
            .collect(),
    )
}

/// Clears a block of key material. `zeroize`'s volatile writes go a byte at a time (64
/// stores, a tenth of what keying a candidate costs in the audit); this is two vector
/// stores, kept from being optimised away by `black_box`, which makes the compiler assume
/// the cleared block is read.
#[inline(always)]
fn clear(block: &mut [u8; BLOCK]) {
    block.fill(0);
    core::hint::black_box(block);
}

impl<const N: usize> Md32<N> {
    /// The pad states of `key`; `None` for keys longer than the block (RFC 2104 would hash
    /// them first; legacy validation refuses them, and this module is for legacy MACs).
    pub(crate) fn pad_states(&self, key: &[u8]) -> Option<PadStates<N>> {
        if key.len() > BLOCK {
            return None;
        }
        // One block holds the key XOR ipad, then (XORed again) the key XOR opad, and is
        // cleared once.
        // The key copied in whole, then the pad XORed over the fixed-size block: both
        // vectorise (a byte loop over the key's own length does not).
        let mut block = [0u8; BLOCK];
        block.get_mut(..key.len())?.copy_from_slice(key);
        for b in &mut block {
            *b ^= IPAD;
        }
        let mut inner = self.iv;
        (self.compress)(&mut inner, &[block]);
        for b in &mut block {
            *b ^= IPAD ^ OPAD;
        }
        let mut outer = self.iv;
        (self.compress)(&mut outer, &[block]);
        clear(&mut block);
        add_keying(self.work, 2);
        Some(PadStates { inner, outer })
    }

    /// Pads the concatenation of `parts` as the inner message of an HMAC.
    pub(crate) fn prepare(&self, parts: &[&[u8]]) -> Option<PaddedMessage<N>> {
        let blocks = padded(parts, 1)?;
        // The outer block: the inner digest (filled in per key), then its padding.
        let outer = padded(&[[0; 32].get(..N * 4)?], 1)?;
        Some(PaddedMessage {
            hash: *self,
            blocks,
            outer: *outer.first()?,
        })
    }
}

/// The outer block of an HMAC: `padding` with the inner digest written over its start.
fn outer_block<const N: usize>(padding: &[u8; BLOCK], inner: [u32; N]) -> [u8; BLOCK] {
    let mut block = *padding;
    for (chunk, word) in block.chunks_exact_mut(4).zip(inner) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    block
}

/// Constant-time comparison of `tag` with `mac`: one decision over the OR of all
/// differences, so nothing branches on where they are.
fn tag_matches<const N: usize>(tag: &[u8], mac: [u32; N]) -> bool {
    if tag.len() != N * 4 {
        return false;
    }
    let diff = tag.chunks_exact(4).zip(mac).fold(0u32, |acc, (t, m)| {
        let t = <[u8; 4]>::try_from(t).map_or(0, u32::from_be_bytes);
        acc | (t ^ m)
    });
    bool::from(diff.ct_eq(&0))
}

impl<const N: usize> PaddedMessage<N> {
    /// The HMAC of the message under the key of `pads`.
    pub(crate) fn mac(&self, pads: &PadStates<N>) -> [u32; N] {
        add(self.hash.work, self.blocks.len() + 1);
        let mut inner = pads.inner;
        (self.hash.compress)(&mut inner, &self.blocks);
        let mut outer = pads.outer;
        (self.hash.compress)(&mut outer, &[outer_block(&self.outer, inner)]);
        outer
    }

    /// Constant-time check of `tag` against the HMAC under the key of `pads`.
    pub(crate) fn verify(&self, pads: &PadStates<N>, tag: &[u8]) -> bool {
        tag.len() == N * 4 && tag_matches(tag, self.mac(pads))
    }

    /// [`verify`](Self::verify) under two keys at once, their compressions alternating
    /// block by block: the two chains are independent, so a core whose hash instructions
    /// have latency to spare (SHA-NI) runs them overlapped, where one key after the other
    /// waits for each compression in turn.
    pub(crate) fn verify_pair(&self, pads: [&PadStates<N>; 2], tag: &[u8]) -> [bool; 2] {
        if tag.len() != N * 4 {
            return [false; 2];
        }
        add(self.hash.work, 2 * (self.blocks.len() + 1));
        let [a, b] = pads;
        let (mut inner_a, mut inner_b) = (a.inner, b.inner);
        for block in &self.blocks {
            (self.hash.compress)(&mut inner_a, core::slice::from_ref(block));
            (self.hash.compress)(&mut inner_b, core::slice::from_ref(block));
        }
        let (mut outer_a, mut outer_b) = (a.outer, b.outer);
        (self.hash.compress)(&mut outer_a, &[outer_block(&self.outer, inner_a)]);
        (self.hash.compress)(&mut outer_b, &[outer_block(&self.outer, inner_b)]);
        [tag_matches(tag, outer_a), tag_matches(tag, outer_b)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};

    fn check<const N: usize, D>(hash: Md32<N>)
    where
        Hmac<D>: Mac + KeyInit,
        D: hmac::EagerHash,
    {
        for key_len in [0usize, 1, 20, 32, 63, 64] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 3 + 1).to_le_bytes()[0]).collect();
            let pads = hash.pad_states(&key).unwrap();
            for msg_len in [
                0usize, 1, 20, 54, 55, 56, 63, 64, 65, 119, 120, 128, 200, 1000,
            ] {
                let msg: Vec<u8> = (0..msg_len).map(|i| (i * 7).to_le_bytes()[0]).collect();
                let (a, b) = msg.split_at(msg_len / 2);
                let prepared = hash.prepare(&[a, b]).unwrap();
                let mut reference = <Hmac<D> as KeyInit>::new_from_slice(&key).unwrap();
                reference.update(&msg);
                let expected = reference.finalize().into_bytes();
                assert!(prepared.verify(&pads, &expected), "{key_len} {msg_len}");
                for i in 0..expected.len() {
                    let mut wrong = expected.to_vec();
                    wrong[i] ^= 0x80;
                    assert!(!prepared.verify(&pads, &wrong));
                }
                assert!(!prepared.verify(&pads, &expected[1..]));
                // In a pair, each key gives its own answer, in either position.
                let other = hash.pad_states(b"another key").unwrap();
                assert_eq!(
                    prepared.verify_pair([&pads, &other], &expected),
                    [true, false]
                );
                assert_eq!(
                    prepared.verify_pair([&other, &pads], &expected),
                    [false, true]
                );
                assert_eq!(
                    prepared.verify_pair([&pads, &pads], &expected),
                    [true, true]
                );
                let mut wrong = expected.to_vec();
                wrong[0] ^= 1;
                assert_eq!(prepared.verify_pair([&pads, &pads], &wrong), [false, false]);
                assert_eq!(
                    prepared.verify_pair([&pads, &pads], &expected[1..]),
                    [false, false]
                );
            }
        }
        assert!(hash.pad_states(&[0; 65]).is_none());
    }

    #[test]
    fn equals_the_hmac_crate() {
        check::<5, sha1::Sha1>(SHA1);
        check::<8, sha2::Sha256>(SHA256);
    }
}
