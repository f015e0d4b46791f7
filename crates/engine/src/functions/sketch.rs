//! `hs_prompt_sketch(prompt, system_prompt, tools, thinking, prompt_sketch) -> Binary`: the
//! content of an event as its [`PromptSketch`], in bytes ([`PromptSketch::to_bytes`]).
//!
//! Content signals need the same facts whether the provider logs prompt text or only a sketch
//! computed at the edge (the contract's `prompt_sketch`, for text that may not leave it). This
//! function gives one column for both, deciding per event with the core's [`EventSketch`]
//! (the same decision the replay makes): the sketch of the prompt when the event has text,
//! else the event's own sketch, decoded. An event with neither has no content: null. The
//! column is bytes, not the contract's text encoding: the sketches only travel to the
//! account summary's aggregate inside the plan, and encoding them to base64 text and decoding
//! them again there took a fifth of a scan's time.
//!
//! A sketch that does not decode (corrupt, or of another version) is one bad field of one
//! event, not a reason to stop a scan: it becomes null, is counted in [`SketchStats`], and the
//! first one is logged with the reason.
//!
//! [`PromptSketch`]: hydrascope_core::content::PromptSketch
//! [`PromptSketch::to_bytes`]: hydrascope_core::content::PromptSketch::to_bytes

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::arrow::array::{
    ArrayRef, BinaryBuilder, BooleanArray, PrimitiveArray, StringArray,
};
use datafusion::arrow::datatypes::{DataType, UInt32Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use hydrascope_core::content::{EventSketch, PromptRequest};

use super::{booleans, canonical_types, flag, primitives, strings, text, value};

/// The function's name in plans.
pub const NAME: &str = "hs_prompt_sketch";

/// The event columns the function reads, in argument order.
pub const COLUMNS: [&str; 5] = [
    "prompt",
    "system_prompt",
    "tools",
    "thinking",
    "prompt_sketch",
];

/// Counts of what the function met, shared by every query of the session.
#[derive(Debug, Clone, Default)]
pub struct SketchStats {
    malformed: Arc<AtomicU64>,
}

impl SketchStats {
    /// Events whose `prompt_sketch` did not decode (and that had no prompt text).
    pub fn malformed(&self) -> u64 {
        self.malformed.load(Ordering::Relaxed)
    }

    /// Adds `count` malformed sketches; true when they are the first ones.
    fn add_malformed(&self, count: u64) -> bool {
        self.malformed.fetch_add(count, Ordering::Relaxed) == 0
    }
}

/// The scalar function `hs_prompt_sketch`.
#[derive(Debug)]
pub struct PromptSketchUdf {
    signature: Signature,
    stats: SketchStats,
}

impl PromptSketchUdf {
    pub fn new() -> Self {
        PromptSketchUdf {
            signature: Signature::user_defined(Volatility::Immutable),
            stats: SketchStats::default(),
        }
    }

    /// The counters this instance updates.
    pub fn stats(&self) -> SketchStats {
        self.stats.clone()
    }
}

impl Default for PromptSketchUdf {
    fn default() -> Self {
        Self::new()
    }
}

/// Every instance computes the same function; the counters are not part of its identity.
impl PartialEq for PromptSketchUdf {
    fn eq(&self, other: &Self) -> bool {
        self.signature == other.signature
    }
}

impl Eq for PromptSketchUdf {}

impl Hash for PromptSketchUdf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        NAME.hash(state);
        self.signature.hash(state);
    }
}

impl ScalarUDFImpl for PromptSketchUdf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        canonical_types(NAME, &COLUMNS, arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let sketches = self.sketch_arrays(&arrays, args.number_rows)?;
        Ok(ColumnarValue::Array(sketches))
    }
}

/// The [`COLUMNS`] of one batch, typed: what decides each row's [`EventSketch`]. Any function
/// that reads an event's content takes these columns first, in this order.
pub(super) struct ContentColumns<'a> {
    prompt: &'a StringArray,
    system_prompt: &'a StringArray,
    tools: &'a PrimitiveArray<UInt32Type>,
    thinking: &'a BooleanArray,
    carried: &'a StringArray,
}

impl<'a> ContentColumns<'a> {
    /// The first [`COLUMNS`]`.len()` arguments of a call.
    pub(super) fn new(args: &'a [ArrayRef]) -> Result<Self> {
        Ok(ContentColumns {
            prompt: strings(args, 0, COLUMNS[0])?,
            system_prompt: strings(args, 1, COLUMNS[1])?,
            tools: primitives::<UInt32Type>(args, 2, COLUMNS[2])?,
            thinking: booleans(args, 3, COLUMNS[3])?,
            carried: strings(args, 4, COLUMNS[4])?,
        })
    }

    /// The prompt text of a row, if it has one.
    pub(super) fn prompt(&self, row: usize) -> Option<&'a str> {
        text(self.prompt, row)
    }

    /// The template frame of a row's content, decided as [`EventSketch::frame_id`] decides.
    pub(super) fn frame_id(&self, row: usize) -> Option<u64> {
        EventSketch::frame_id(self.prompt(row), text(self.carried, row))
    }

    /// The content of a row, decided by the core's [`EventSketch::of`].
    pub(super) fn sketch(&self, row: usize) -> EventSketch<'a> {
        let request = self.prompt(row).map(|prompt| PromptRequest {
            prompt,
            system_prompt: text(self.system_prompt, row),
            tool_count: value(self.tools, row).unwrap_or(0) as usize,
            thinking: flag(self.thinking, row).unwrap_or(false),
        });
        EventSketch::of(request, text(self.carried, row))
    }
}

impl PromptSketchUdf {
    pub(super) fn sketch_arrays(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let content = ContentColumns::new(args)?;
        // A sketch is 259 or 515 bytes; most prompts have no frame signature.
        let mut out = BinaryBuilder::with_capacity(rows, rows * 300);
        let mut malformed = 0u64;
        let mut first_error = None;
        for row in 0..rows {
            match content.sketch(row) {
                EventSketch::Computed(sketch) | EventSketch::Carried { sketch, .. } => {
                    out.append_value(sketch.to_bytes())
                }
                EventSketch::Malformed(error) => {
                    malformed += 1;
                    first_error.get_or_insert(error);
                    out.append_null();
                }
                EventSketch::Absent => out.append_null(),
            }
        }
        if let Some(error) = first_error {
            if self.stats.add_malformed(malformed) {
                tracing::warn!(
                    %error,
                    "events carry prompt sketches that do not decode; their content is ignored \
                     (counted in the scan's malformed sketches)"
                );
            } else {
                tracing::debug!(malformed, %error, "prompt sketches that do not decode");
            }
        }
        Ok(Arc::new(out.finish()))
    }
}
