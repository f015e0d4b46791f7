//! The prompt sketch: what the content signals need from a prompt, without the prompt.
//!
//! Where prompt text may not leave the edge, `hydrascope sketch` computes a [`PromptSketch`]
//! there and the event carries its encoding in the contract's `prompt_sketch` field instead of
//! `prompt`. The sketch keeps exactly what detection uses (the MinHash of the prompt skeleton,
//! the MinHash of its instruction frame, its capabilities and its chain-of-thought
//! elicitation) and nothing from which the text can be read back: a MinHash slot is the least
//! 32-bit hash of some word 3-grams of the *masked* prompt.
//!
//! # Encoding, version [`SKETCH_VERSION`]
//!
//! `hs1:` followed by the unpadded base64url (RFC 4648 §5) of these bytes:
//!
//! | bytes | content |
//! |---|---|
//! | 1 | flags: bit 0 set when a frame signature follows; bits 1–2 the [`Elicitation`] code; bit 3 set when a text digest follows; other bits 0 |
//! | 2 | [`CapabilitySet::bits`], little-endian |
//! | 256 | the prompt signature: 64 slots, each `u32` little-endian |
//! | 256 | only with flag bit 0: the frame signature, likewise |
//! | 8 | only with flag bit 3: the xxh3-64 of the prompt's exact text, little-endian |
//!
//! This build always writes the digest: 356 characters without a frame signature, 698 with
//! one. The digest is how account summaries count distinct prompts, so that a sketched event
//! counts exactly as its text would; sketches written before it was added decode without it
//! and count by [`MinHash::identity`] instead. It reveals no more than the signatures do: both
//! confirm a guessed prompt, neither gives the text back. The `1` of `hs1` is
//! [`SKETCH_VERSION`]: a sketch of another version decodes to
//! [`SketchError::UnsupportedVersion`], never to a signature computed under other rules.

use std::fmt;

use super::PromptRequest;
use super::capability::{self, CapabilitySet};
use super::cues;
use super::elicitation::{self, Elicitation};
use super::minhash::{K, MinHash, SKETCH_VERSION};
use super::skeleton::{frame_of_skeleton, skeleton};
use xxhash_rust::xxh3::xxh3_64;

/// The sketch of one prompt.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PromptSketch {
    /// The signature of the whole prompt's skeleton.
    pub minhash: MinHash,
    /// The signature of the prompt's instruction frame
    /// ([`template_frame`](super::skeleton::template_frame)); `None` when the prompt is short
    /// enough to be its own frame (then [`PromptSketch::frame`] is `minhash`).
    ///
    /// The frame is taken from the prompt only, not the system prompt: thousands of honest
    /// accounts share the system prompt of the same open-source coding agent or chat client,
    /// so a system prompt in the frame would link accounts that share nothing but a tool.
    pub frame_minhash: Option<MinHash>,
    pub capabilities: CapabilitySet,
    pub elicitation: Elicitation,
    /// The xxh3-64 of the prompt's exact text; `None` in sketches written before it was carried.
    pub text_digest: Option<u64>,
}

/// Why a `prompt_sketch` string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SketchError {
    /// The string does not start with `hs<version>:`.
    MissingPrefix,
    /// The sketch was made under another hash spec.
    UnsupportedVersion(u8),
    /// A character that is not base64url, or bits after the last byte, at this character
    /// position of the payload.
    BadEncoding { position: usize },
    /// The payload has the wrong number of bytes for its flags.
    WrongLength { expected: usize, found: usize },
    /// Flag bits that this version does not define.
    UnknownFlags(u8),
    /// Capability bits that name no capability.
    UnknownCapabilities(u16),
}

impl fmt::Display for SketchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SketchError::MissingPrefix => {
                write!(f, "a prompt sketch starts with hs{SKETCH_VERSION}:")
            }
            SketchError::UnsupportedVersion(v) => write!(
                f,
                "prompt sketch of version {v}; this build reads version {SKETCH_VERSION}"
            ),
            SketchError::BadEncoding { position } => {
                write!(f, "prompt sketch is not base64url at character {position}")
            }
            SketchError::WrongLength { expected, found } => write!(
                f,
                "prompt sketch holds {found} bytes where its flags say {expected}"
            ),
            SketchError::UnknownFlags(flags) => {
                write!(f, "prompt sketch has unknown flags {flags:#04x}")
            }
            SketchError::UnknownCapabilities(bits) => {
                write!(f, "prompt sketch has unknown capability bits {bits:#06x}")
            }
        }
    }
}

impl std::error::Error for SketchError {}

const FLAG_FRAME: u8 = 1;
const ELICITATION_SHIFT: u8 = 1;
const ELICITATION_MASK: u8 = 0b110;
const FLAG_DIGEST: u8 = 0b1000;
const HEADER_BYTES: usize = 3;
const DIGEST_BYTES: usize = 8;
const SIGNATURE_BYTES: usize = 4 * K;

impl PromptSketch {
    /// The sketch of a prompt and its system prompt, without tools or thinking.
    pub fn of_prompt(prompt: &str, system_prompt: Option<&str>) -> PromptSketch {
        PromptSketch::of_request(&PromptRequest {
            system_prompt,
            ..PromptRequest::new(prompt)
        })
    }

    /// The sketch of a request.
    pub fn of_request(request: &PromptRequest<'_>) -> PromptSketch {
        let cues = cues::scan(request.texts());
        let skeleton = skeleton(request.prompt);
        let minhash = MinHash::of_skeleton(&skeleton);
        let frame = frame_of_skeleton(&skeleton);
        let frame_minhash = match frame {
            std::borrow::Cow::Borrowed(_) => None,
            std::borrow::Cow::Owned(frame) => Some(MinHash::of_skeleton(&frame)),
        };
        PromptSketch {
            minhash,
            frame_minhash,
            capabilities: capability::scores_with(request, &cues).set(),
            elicitation: Elicitation::of_score(elicitation::score_with(&cues)),
            text_digest: Some(xxh3_64(request.prompt.as_bytes())),
        }
    }

    /// What account summaries count distinct prompts by: the text's digest, or for a sketch
    /// without one, the identity of its signature.
    pub fn prompt_id(&self) -> u64 {
        self.text_digest.unwrap_or_else(|| self.minhash.identity())
    }

    /// [`PromptSketch::frame_id`] of the sketch of `prompt`, computing only the frame's
    /// signature.
    pub fn frame_id_of_prompt(prompt: &str) -> u64 {
        MinHash::of_skeleton(&frame_of_skeleton(&skeleton(prompt))).identity()
    }

    /// The frame signature: `frame_minhash`, or `minhash` for a prompt that is its own frame.
    pub fn frame(&self) -> &MinHash {
        self.frame_minhash.as_ref().unwrap_or(&self.minhash)
    }

    /// The identity of the template frame ([`MinHash::identity`] of [`PromptSketch::frame`]):
    /// what account summaries count as distinct frames, and what campaign evidence names a
    /// shared template by.
    pub fn frame_id(&self) -> u64 {
        self.frame().identity()
    }

    /// The `prompt_sketch` string (see the module documentation for the format).
    pub fn encode(&self) -> String {
        let mut out = format!("hs{SKETCH_VERSION}:");
        base64url::encode_into(&self.to_bytes(), &mut out);
        out
    }

    /// The sketch's bytes, as the module documentation lays them out: the `prompt_sketch`
    /// string without its version prefix and base64url. A plan passes sketches between its
    /// functions in this form: encoding to text and decoding again cost a fifth of a scan's
    /// time.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(HEADER_BYTES + 2 * SIGNATURE_BYTES + DIGEST_BYTES);
        let flags = u8::from(self.frame_minhash.is_some())
            | ((self.elicitation as u8) << ELICITATION_SHIFT)
            | if self.text_digest.is_some() {
                FLAG_DIGEST
            } else {
                0
            };
        bytes.push(flags);
        bytes.extend_from_slice(&self.capabilities.bits().to_le_bytes());
        for signature in std::iter::once(&self.minhash).chain(&self.frame_minhash) {
            for slot in signature.slots() {
                bytes.extend_from_slice(&slot.to_le_bytes());
            }
        }
        if let Some(digest) = self.text_digest {
            bytes.extend_from_slice(&digest.to_le_bytes());
        }
        bytes
    }

    /// Reads a `prompt_sketch` string. Never panics, whatever the input.
    pub fn decode(text: &str) -> Result<PromptSketch, SketchError> {
        let (version, payload) = text
            .strip_prefix("hs")
            .and_then(|rest| rest.split_once(':'))
            .ok_or(SketchError::MissingPrefix)?;
        let version: u8 = match version.parse() {
            Ok(v) if version.bytes().all(|b| b.is_ascii_digit()) => v,
            _ => return Err(SketchError::MissingPrefix),
        };
        if version != SKETCH_VERSION {
            return Err(SketchError::UnsupportedVersion(version));
        }
        let bytes =
            base64url::decode(payload).map_err(|position| SketchError::BadEncoding { position })?;
        PromptSketch::from_bytes(&bytes)
    }

    /// Reads a sketch's bytes ([`PromptSketch::to_bytes`]). Never panics, whatever the input.
    pub fn from_bytes(bytes: &[u8]) -> Result<PromptSketch, SketchError> {
        let Some(&flags) = bytes.first() else {
            return Err(SketchError::WrongLength {
                expected: HEADER_BYTES + SIGNATURE_BYTES,
                found: 0,
            });
        };
        if flags & !(FLAG_FRAME | ELICITATION_MASK | FLAG_DIGEST) != 0 {
            return Err(SketchError::UnknownFlags(flags));
        }
        let elicitation = Elicitation::from_code((flags & ELICITATION_MASK) >> ELICITATION_SHIFT)
            .ok_or(SketchError::UnknownFlags(flags))?;
        let has_frame = flags & FLAG_FRAME != 0;
        let has_digest = flags & FLAG_DIGEST != 0;
        let signatures_end = HEADER_BYTES + SIGNATURE_BYTES * (1 + usize::from(has_frame));
        let expected = signatures_end + DIGEST_BYTES * usize::from(has_digest);
        if bytes.len() != expected {
            return Err(SketchError::WrongLength {
                expected,
                found: bytes.len(),
            });
        }
        let bits = u16::from_le_bytes([bytes[1], bytes[2]]);
        let capabilities =
            CapabilitySet::from_bits(bits).ok_or(SketchError::UnknownCapabilities(bits))?;
        let signature = |at: usize| {
            let mut slots = [0u32; K];
            for (slot, chunk) in slots
                .iter_mut()
                .zip(bytes[at..at + SIGNATURE_BYTES].chunks_exact(4))
            {
                *slot = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            }
            MinHash::from_slots(slots)
        };
        Ok(PromptSketch {
            minhash: signature(HEADER_BYTES),
            frame_minhash: has_frame.then(|| signature(HEADER_BYTES + SIGNATURE_BYTES)),
            capabilities,
            elicitation,
            text_digest: has_digest.then(|| {
                let mut digest = [0u8; DIGEST_BYTES];
                digest.copy_from_slice(&bytes[signatures_end..]);
                u64::from_le_bytes(digest)
            }),
        })
    }
}

/// Unpadded base64url (RFC 4648 §5), canonical only: the decoder rejects set bits after the
/// last byte, so every sketch has exactly one spelling.
mod base64url {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    pub(super) fn encode_into(bytes: &[u8], out: &mut String) {
        URL_SAFE_NO_PAD.encode_string(bytes, out);
    }

    /// The decoded bytes, or the character position of the first error.
    pub(super) fn decode(text: &str) -> Result<Vec<u8>, usize> {
        URL_SAFE_NO_PAD.decode(text).map_err(|error| match error {
            base64::DecodeError::InvalidByte(offset, _)
            | base64::DecodeError::InvalidLastSymbol { offset, .. } => offset,
            base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => {
                text.len().saturating_sub(1)
            }
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn matches_the_rfc_4648_test_vectors_without_padding() {
            for (plain, encoded) in [
                ("", ""),
                ("f", "Zg"),
                ("fo", "Zm8"),
                ("foo", "Zm9v"),
                ("foob", "Zm9vYg"),
                ("fooba", "Zm9vYmE"),
                ("foobar", "Zm9vYmFy"),
            ] {
                let mut out = String::new();
                encode_into(plain.as_bytes(), &mut out);
                assert_eq!(out, encoded);
                assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
            }
            let mut out = String::new();
            encode_into(&[0xfb, 0xff], &mut out);
            assert_eq!(out, "-_8");
        }

        #[test]
        fn rejects_foreign_characters_and_non_canonical_tails() {
            assert_eq!(decode("Zm9v+g"), Err(4));
            assert_eq!(decode("Zh"), Err(1));
            assert_eq!(decode("Zm9vY"), Err(4));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::capability::Capability;

    const CAMPAIGN_PROMPT: &str = "You are an expert competition mathematician. Solve the \
        problem below. Think step by step and show all of your work before the final answer.\n\n\
        Problem: A tank holds 1,200 litres and drains at 35 litres per minute. How many \
        minutes until it holds 500 litres?";

    #[test]
    fn a_sketch_round_trips_through_its_encoding() {
        let sketch = PromptSketch::of_prompt(CAMPAIGN_PROMPT, Some("Answer in English."));
        let encoded = sketch.encode();
        assert!(encoded.starts_with("hs1:"));
        assert_eq!(encoded.len(), 4 + 356);
        assert_eq!(PromptSketch::decode(&encoded), Ok(sketch.clone()));
        assert!(sketch.capabilities.contains(Capability::MultiStepReasoning));
        assert_eq!(sketch.elicitation, Elicitation::Strong);
    }

    #[test]
    fn a_long_prompt_carries_its_frame_signature() {
        let body =
            "The quarterly report lists revenue, costs and headcount per region. ".repeat(12);
        let prompt = format!(
            "Read the following report carefully.\n\n{body}\n\nNow summarise it in three bullet \
             points and explain your reasoning step by step."
        );
        let sketch = PromptSketch::of_prompt(&prompt, None);
        let frame = sketch
            .frame_minhash
            .clone()
            .expect("long prompt has a frame");
        assert_eq!(sketch.frame(), &frame);
        let encoded = sketch.encode();
        assert_eq!(encoded.len(), 4 + 698);
        assert_eq!(PromptSketch::decode(&encoded), Ok(sketch));
    }

    #[test]
    fn a_sketch_counts_as_its_text_and_an_older_one_without_a_digest_still_reads() {
        let sketch = PromptSketch::of_prompt(CAMPAIGN_PROMPT, None);
        assert_eq!(sketch.prompt_id(), xxh3_64(CAMPAIGN_PROMPT.as_bytes()));
        let older = reencoded(&sketch.encode(), |bytes| {
            bytes[0] &= !FLAG_DIGEST;
            bytes.truncate(bytes.len() - DIGEST_BYTES);
        });
        let decoded = PromptSketch::decode(&older).unwrap();
        assert_eq!(decoded.text_digest, None);
        assert_eq!(decoded.prompt_id(), sketch.minhash.identity());
        assert_eq!(
            PromptSketch {
                text_digest: sketch.text_digest,
                ..decoded
            },
            sketch
        );
    }

    #[test]
    fn a_short_prompt_is_its_own_frame() {
        let sketch = PromptSketch::of_prompt("What's the capital of Portugal?", None);
        assert_eq!(sketch.frame_minhash, None);
        assert_eq!(sketch.frame(), &sketch.minhash);
    }

    #[test]
    fn malformed_sketches_are_typed_errors() {
        let good = PromptSketch::of_prompt("hello there", None).encode();
        let payload = &good[4..];
        assert_eq!(PromptSketch::decode(""), Err(SketchError::MissingPrefix));
        assert_eq!(
            PromptSketch::decode(payload),
            Err(SketchError::MissingPrefix)
        );
        assert_eq!(
            PromptSketch::decode("hsx:AAAA"),
            Err(SketchError::MissingPrefix)
        );
        assert_eq!(
            PromptSketch::decode(&format!("hs2:{payload}")),
            Err(SketchError::UnsupportedVersion(2))
        );
        assert_eq!(
            PromptSketch::decode("hs1:AAA!"),
            Err(SketchError::BadEncoding { position: 3 })
        );
        assert_eq!(
            PromptSketch::decode(&reencoded(&good, |bytes| bytes.truncate(256))),
            Err(SketchError::WrongLength {
                expected: 267,
                found: 256
            })
        );
        // Flags claim a frame signature that is not there.
        assert!(matches!(
            PromptSketch::decode(&reencoded(&good, |bytes| bytes[0] |= 1)),
            Err(SketchError::WrongLength { expected: 523, .. })
        ));
        // Elicitation code 3 is not defined.
        assert_eq!(
            PromptSketch::decode(&reencoded(&good, |bytes| bytes[0] |= 0b110)),
            Err(SketchError::UnknownFlags(0b110 | FLAG_DIGEST))
        );
        assert_eq!(
            PromptSketch::decode(&reencoded(&good, |bytes| bytes[0] |= 0x80)),
            Err(SketchError::UnknownFlags(0x80 | FLAG_DIGEST))
        );
        assert_eq!(
            PromptSketch::decode(&reencoded(&good, |bytes| bytes[2] = 0x80)),
            Err(SketchError::UnknownCapabilities(0x8000))
        );
        let message = SketchError::UnsupportedVersion(2).to_string();
        assert!(message.contains("version 2"), "{message}");
    }

    /// `sketch` with its payload bytes changed by `change`, encoded again.
    fn reencoded(sketch: &str, change: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut bytes = base64url::decode(&sketch[4..]).unwrap();
        change(&mut bytes);
        let mut text = String::from("hs1:");
        base64url::encode_into(&bytes, &mut text);
        text
    }
}
