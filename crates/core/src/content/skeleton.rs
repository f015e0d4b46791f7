//! Prompt skeletons: a prompt with its slot values masked, so that one template filled with
//! many different tasks reduces to (nearly) one string.
//!
//! **Campaign behaviour.** A distillation operator does not write millions of prompts by hand:
//! it fills a few templates ("You are an expert … Solve the following problem: {task}. Show
//! every step.") with numbers, names, quoted items, code and identifiers from a task bank, and
//! spreads them over thousands of accounts. Two prompts of one template differ only in those
//! slots, so masking the slots makes them collide even when no two prompts are identical.
//!
//! **Honest behaviour that looks like it.** Ordinary users also share phrasing ("Write a
//! Python function that …", "Summarize the following text"), and evaluation harnesses send the
//! same benchmark items again and again. The skeleton alone cannot tell them apart and does not
//! try: it only turns "same template" into "same string". Counting how many *accounts* share a
//! skeleton, and how varied the slots behind it are, is left to the signals built on top.
//!
//! **How the masking avoids erasing honest variety.** Masks are conservative and never swallow
//! a whole prompt: a quote or fence that spans the entire prompt is kept as text (a pasted
//! snippet with no instruction is content, not a slot), quotes longer than
//! [`MAX_QUOTED_BYTES`] stay text, and only mid-sentence capitalised words that are not common
//! English function words or imperatives become `<name>`. Long task-specific passages cannot
//! be masked generically; [`template_frame`] keeps only the beginning and the end of the
//! skeleton, where operators put their fixed instructions.
//!
//! The rules, applied in one left-to-right pass over the text:
//!
//! | what | becomes |
//! |---|---|
//! | letters | lower case |
//! | numbers: digits (also full-width), decimals, thousands separators, dates, `$`/`€`/`£`/`¥` amounts, `%` | `#` |
//! | `"…"`, `“…”`, `'…'` (when clearly quotes), `` `…` ``, `「…」`, `『…』`, `《…》` | `<q>` |
//! | fenced code (```` ``` ````, `~~~`, wherever they stand) and indented code after a blank line | `<code>` |
//! | URLs, e-mail addresses, file paths, hex ids and UUIDs | `<id>` |
//! | runs of capitalised words in mid-sentence (at a sentence start: runs of two or more) | `<name>` |
//! | any run of white space (also ideographic space and zero-width characters) | one space |
//! | full-width ASCII forms (`Ａ`, `１`, `，`) and curly quotes | their ASCII form |
//!
//! Quote characters that do not form a pair are replaced by a space, so the skeleton never
//! contains a quote or backtick and applying [`skeleton`] to a skeleton changes nothing.
//!
//! ```
//! use hydrascope_core::content::skeleton::skeleton;
//!
//! let a = skeleton("Every day Janet sells 16 eggs at $2 each. How much does she make?");
//! let b = skeleton("Every day Wei Zhang sells 7 eggs at $3.50 each. How much does he make?");
//! assert_eq!(a, "every day <name> sells # eggs at # each. how much does she make?");
//! assert_eq!(b, "every day <name> sells # eggs at # each. how much does he make?");
//! ```

/// Replaces a number.
pub const NUMBER: char = '#';
/// Replaces a quoted string or inline code.
pub const QUOTED: &str = "<q>";
/// Replaces a block of code.
pub const CODE: &str = "<code>";
/// Replaces a URL, e-mail address, file path or hex identifier.
pub const ID: &str = "<id>";
/// Replaces a run of capitalised words in mid-sentence.
pub const NAME: &str = "<name>";

/// The longest quoted span, in bytes of the original text, that is masked as one slot value.
/// Slot values are names, titles, short phrases or one sentence to translate; a longer quoted
/// passage is content whose words should stay visible to the similarity measures.
pub const MAX_QUOTED_BYTES: usize = 256;

/// How far ahead a quote looks for its closing partner: bounds the work on text full of
/// unpaired quote characters, so the pass stays linear.
const MAX_PAIR_SCAN_BYTES: usize = 4096;

/// Characters of the skeleton kept at each end by [`template_frame`].
pub const FRAME_CHARS: usize = 200;

/// Marks the place where [`template_frame`] cut the middle out of a long skeleton.
pub const FRAME_CUT: &str = " <cut> ";

/// The template skeleton of `text` (see the module documentation for the rules).
pub fn skeleton(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    skeleton_into(text, &mut out);
    out
}

/// Writes the skeleton of `text` into `out` (cleared first), reusing its allocation.
pub fn skeleton_into(text: &str, out: &mut String) {
    // The scanner writes bytes (whole characters only, so the result is UTF-8 by
    // construction); the buffer's allocation is reused.
    let mut bytes = std::mem::take(out).into_bytes();
    bytes.clear();
    Scanner::new(&folded(text), &mut bytes).run();
    *out = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// The text with full-width forms and curly quotes folded to ASCII before scanning, so that
/// markers built from folded characters (`~~～` is a tilde fence, `｀` a backtick) are seen
/// as such on the first pass exactly as on a second pass over the output — the skeleton is
/// idempotent. Pure ASCII, by far the common case, is borrowed as it is.
fn folded(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii() || text.chars().all(|c| fold(c) == c) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().map(fold).collect())
    }
}

/// The skeleton of the prompt's instruction frame: its first and last [`FRAME_CHARS`]
/// characters, cut at word boundaries and joined by [`FRAME_CUT`]. A fixed instruction wrapped
/// around task text of any length therefore still collides. A skeleton short enough to have no
/// middle is returned whole.
pub fn template_frame(prompt: &str) -> String {
    frame_of_skeleton(&skeleton(prompt)).into_owned()
}

/// [`template_frame`] of a text that is already a skeleton; borrows it when it is short.
pub fn frame_of_skeleton(skeleton: &str) -> std::borrow::Cow<'_, str> {
    match frame_cut(skeleton) {
        None => std::borrow::Cow::Borrowed(skeleton),
        Some((head_end, tail_start)) => {
            let mut frame =
                String::with_capacity(head_end + FRAME_CUT.len() + 1 + skeleton.len() - tail_start);
            frame.push_str(&skeleton[..head_end]);
            frame.push_str(FRAME_CUT);
            frame.push_str(&skeleton[tail_start..]);
            std::borrow::Cow::Owned(frame)
        }
    }
}

/// Where a skeleton is cut for its frame: the end of the head and the start of the tail, in
/// bytes, or `None` when the skeleton is short enough to be its own frame.
fn frame_cut(skeleton: &str) -> Option<(usize, usize)> {
    // Quick exit: a skeleton of at most 2 × FRAME_CHARS bytes has at most that many chars.
    if skeleton.len() <= 2 * FRAME_CHARS {
        return None;
    }
    let head_end = skeleton
        .char_indices()
        .nth(FRAME_CHARS)
        .map_or(skeleton.len(), |(i, _)| i);
    let tail_start = skeleton
        .char_indices()
        .rev()
        .nth(FRAME_CHARS - 1)
        .map_or(0, |(i, _)| i);
    if tail_start <= head_end {
        return None;
    }
    // Cut at word boundaries where the window holds a space in its inner half, so that the
    // frame holds whole words (a space-free CJK window is cut at a character).
    let head = &skeleton[..head_end];
    let head_end = match head.rfind(' ') {
        Some(space) if space >= head_end / 2 => space,
        _ => head_end,
    };
    let tail = &skeleton[tail_start..];
    let tail_start = match tail.find(' ') {
        Some(space) if space <= tail.len() / 2 => tail_start + space + 1,
        _ => tail_start,
    };
    Some((head_end, tail_start))
}

/// One left-to-right pass over the text, writing the skeleton.
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    out: &'a mut Vec<u8>,
    /// White space was seen since the last output: one space goes before the next output.
    pending_space: bool,
    /// The next word starts a sentence (so a capital letter is no evidence of a name).
    sentence_start: bool,
    /// Nothing but white space has been read on the current line.
    line_start: bool,
    /// The line before the current one held only white space (or this is the first line).
    prev_line_blank: bool,
    /// The closing partner of a quote or fence that was left unmasked: dropped when reached.
    deferred_closer: Option<(usize, usize)>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str, out: &'a mut Vec<u8>) -> Self {
        Scanner {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            out,
            pending_space: false,
            sentence_start: true,
            line_start: true,
            prev_line_blank: true,
            deferred_closer: None,
        }
    }

    fn run(&mut self) {
        self.try_indented_code();
        while self.pos < self.bytes.len() {
            if let Some((at, len)) = self.deferred_closer {
                if self.pos == at {
                    self.deferred_closer = None;
                    self.separate(len);
                    continue;
                }
                if self.pos > at {
                    self.deferred_closer = None;
                }
            }
            let b = self.bytes[self.pos];
            if b.is_ascii_lowercase()
                || (b.is_ascii_uppercase()
                    && self.pos > 0
                    && is_ascii_token_byte(self.bytes[self.pos - 1]))
            {
                // Fast path: letters that cannot start a name (lower case, or inside a token)
                // are copied as a run, unless they start an identifier.
                let end = self.letters_end();
                if !self.ends_plain_word(end)
                    && self.at_token_start()
                    && let Some(end) = self.identifier_end()
                {
                    self.emit_word(ID);
                    self.pos = end;
                    self.line_start = false;
                    continue;
                }
                self.copy_letters(end);
                continue;
            }
            if b == b' ' {
                self.separate(1);
                continue;
            }
            let (c, len) = self.char_at(self.pos);
            if c == '\n' {
                self.newline();
                continue;
            }
            if is_space(c) {
                self.separate(len);
                continue;
            }
            self.line_start = false;
            match c {
                '`' => self.backticks(),
                '~' if self.text[self.pos..].starts_with("~~~") => self.tilde_fence(),
                '"' => self.paired('"', len),
                '「' => self.paired('」', len),
                '『' => self.paired('』', len),
                '《' => self.paired('》', len),
                '」' | '』' | '》' => self.separate(len),
                '\'' => self.single_quote(len),
                _ => self.visible(c, len),
            }
        }
    }

    /// The end of the run of ASCII letters at the current position.
    fn letters_end(&self) -> usize {
        self.bytes[self.pos..]
            .iter()
            .position(|b| !b.is_ascii_alphabetic())
            .map_or(self.bytes.len(), |i| self.pos + i)
    }

    /// Whether a run of letters ending at `end` is a whole token, trailing sentence punctuation
    /// aside: then it holds no byte an identifier needs and cannot be one.
    fn ends_plain_word(&self, end: usize) -> bool {
        let ends_token = |at: usize| {
            self.bytes
                .get(at)
                .is_none_or(|&b| b < 0x80 && !is_ascii_token_byte(b))
        };
        ends_token(end)
            || (matches!(self.bytes[end], b'.' | b',' | b';' | b'!' | b'?') && ends_token(end + 1))
    }

    /// Copies the run of ASCII letters up to `end`, lower-cased.
    fn copy_letters(&mut self, end: usize) {
        self.flush_space();
        self.out
            .extend(self.bytes[self.pos..end].iter().map(u8::to_ascii_lowercase));
        self.pos = end;
        self.sentence_start = false;
        self.line_start = false;
    }

    /// Any other visible character: an identifier, a number, a name or a plain character.
    fn visible(&mut self, c: char, len: usize) {
        if self.at_token_start()
            && let Some(end) = self.identifier_end()
        {
            self.emit_word(ID);
            self.pos = end;
            return;
        }
        if c.is_numeric() || (is_currency(c) && self.next_is_numeric(self.pos + len)) {
            self.number(len);
            return;
        }
        // At a sentence start one capitalised word is no evidence of a name; two in a row are.
        let min_words = if self.sentence_start { 2 } else { 1 };
        if c.is_uppercase()
            && self.at_token_start()
            && let Some(end) = self.name_run_end(min_words)
        {
            self.emit_word(NAME);
            self.pos = end;
            return;
        }
        self.pos += len;
        if c.is_ascii() {
            self.emit_char(c.to_ascii_lowercase());
        } else {
            self.flush_space();
            c.to_lowercase().for_each(|lower| self.push_char(lower));
        }
        if c.is_alphanumeric() {
            self.sentence_start = false;
        } else if matches!(c, '.' | '!' | '?' | '…' | '。') {
            self.sentence_start = true;
        }
    }

    /// The character at byte `pos`, folded (full-width ASCII to ASCII, curly quotes to
    /// straight ones), and its length in the original text.
    #[inline]
    fn char_at(&self, pos: usize) -> (char, usize) {
        let b = self.bytes[pos];
        if b < 0x80 {
            return (b as char, 1);
        }
        let c = self.text[pos..].chars().next().unwrap_or(' ');
        (fold(c), c.len_utf8())
    }

    fn next_is_numeric(&self, pos: usize) -> bool {
        pos < self.bytes.len() && self.char_at(pos).0.is_numeric()
    }

    /// The last character written, or `None` when a space is pending or nothing is written.
    fn last_out(&self) -> Option<char> {
        if self.pending_space {
            None
        } else {
            let start = self.out.len().saturating_sub(4);
            let tail = &self.out[start..];
            let first = tail.iter().position(|&b| (b as i8) >= -0x40).unwrap_or(0);
            std::str::from_utf8(&tail[first..])
                .ok()
                .and_then(|t| t.chars().next_back())
        }
    }

    fn flush_space(&mut self) {
        if self.pending_space {
            if !self.out.is_empty() {
                self.out.push(b' ');
            }
            self.pending_space = false;
        }
    }

    fn emit_char(&mut self, c: char) {
        self.flush_space();
        self.push_char(c);
    }

    fn push_char(&mut self, c: char) {
        self.out
            .extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }

    fn emit_word(&mut self, word: &str) {
        self.flush_space();
        self.out.extend_from_slice(word.as_bytes());
        self.sentence_start = false;
    }

    /// Skips `len` bytes that only separate words.
    fn separate(&mut self, len: usize) {
        self.pending_space = true;
        self.pos += len;
    }

    fn newline(&mut self) {
        self.prev_line_blank = self.line_start;
        self.line_start = true;
        self.sentence_start = true;
        self.separate(1);
        self.try_indented_code();
    }

    /// At the start of a line after a blank line: masks an indented code block, as Markdown
    /// reads one, when it looks like code. Returns whether it did.
    fn try_indented_code(&mut self) -> bool {
        if !self.prev_line_blank || indent_width(&self.bytes[self.pos..]) < 4 {
            return false;
        }
        let mut end = self.pos;
        let mut code_like = false;
        while end < self.bytes.len() {
            let line_end = self.bytes[end..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.bytes.len(), |i| end + i + 1);
            let line = &self.bytes[end..line_end];
            let blank = line.iter().all(u8::is_ascii_whitespace);
            if !blank && indent_width(line) < 4 {
                break;
            }
            code_like |= line.iter().any(|b| b"(){}[];=<>".contains(b));
            end = line_end;
        }
        if !code_like || self.covers_everything(end) {
            return false;
        }
        self.emit_block(end);
        true
    }

    fn emit_block(&mut self, end: usize) {
        self.pending_space = true;
        self.emit_word(CODE);
        self.pending_space = true;
        self.sentence_start = true;
        self.line_start = end > 0 && self.bytes[end - 1] == b'\n';
        self.prev_line_blank = false;
        self.pos = end;
    }

    /// A run of backticks: a fence (three or more) or inline code. The text was folded before
    /// scanning ([`folded`]), so a full-width grave accent is an ASCII backtick here and the
    /// run is never empty.
    fn backticks(&mut self) {
        let run = self.bytes[self.pos..]
            .iter()
            .take_while(|&&b| b == b'`')
            .count();
        if run >= 3 {
            self.fence(run, "```");
            return;
        }
        let body = self.pos + run;
        let scan_end = (body + MAX_QUOTED_BYTES).min(self.bytes.len());
        let mut i = body;
        while i < scan_end {
            if self.bytes[i] == b'`' {
                let closing = self.bytes[i..].iter().take_while(|&&b| b == b'`').count();
                if closing == run {
                    self.mask_quoted(run, i + run, (i, run));
                    return;
                }
                i += closing;
            } else if self.bytes[i] == b'\n' && self.bytes.get(i + 1) == Some(&b'\n') {
                break;
            } else {
                i += 1;
            }
        }
        self.separate(run);
    }

    /// A fence of three or more tildes (anywhere: whether a character stood before it on its
    /// line may change once quote marks around it are dropped).
    fn tilde_fence(&mut self) {
        let run = self.bytes[self.pos..]
            .iter()
            .take_while(|&&b| b == b'~')
            .count();
        self.fence(run, "~~~");
    }

    /// A code fence of `run` markers: masked up to the next `closer` run or the end of the
    /// text (an unclosed fence is a truncated code block).
    fn fence(&mut self, run: usize, closer: &str) {
        let body = self.pos + run;
        let (end, closer_at) = match self.text[body..].find(closer) {
            Some(i) => {
                let at = body + i;
                let len = self.bytes[at..]
                    .iter()
                    .take_while(|&&b| b == closer.as_bytes()[0])
                    .count();
                (at + len, Some((at, len)))
            }
            None => (self.bytes.len(), None),
        };
        if self.covers_everything(end) {
            // A prompt that is nothing but code: keep the code, drop the fences.
            self.deferred_closer = closer_at;
            self.separate(run);
            // Skip the info string ("```python") with the opening fence.
            let info_end = self.bytes[self.pos..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.bytes.len(), |i| self.pos + i);
            if closer_at.is_none_or(|(at, _)| info_end < at) {
                self.pos = info_end;
            }
            return;
        }
        self.emit_block(end);
    }

    /// A double quote or CJK opening bracket: masked with its partner `closer`.
    fn paired(&mut self, closer: char, len: usize) {
        let body = self.pos + len;
        let scan_end = (body + MAX_PAIR_SCAN_BYTES).min(self.bytes.len());
        let mut i = body;
        while i < scan_end {
            let (c, clen) = self.char_at(i);
            if c == closer {
                if i - body <= MAX_QUOTED_BYTES {
                    self.mask_quoted(len, i + clen, (i, clen));
                } else {
                    self.deferred_closer = Some((i, clen));
                    self.separate(len);
                }
                return;
            }
            if c == '\n' && self.bytes.get(i + 1) == Some(&b'\n') {
                break;
            }
            i += clen;
        }
        self.separate(len);
    }

    /// A single quote: an apostrophe inside a word, the opening of a `'…'` quote, or noise.
    fn single_quote(&mut self, len: usize) {
        let next = self
            .bytes
            .get(self.pos + len)
            .map(|_| self.char_at(self.pos + len).0);
        let prev_wordish = self.last_out().is_some_and(is_wordish);
        if prev_wordish {
            if next.is_some_and(is_wordish) {
                self.pos += len;
                self.emit_char('\'');
            } else {
                self.separate(len);
            }
            return;
        }
        if next.is_some_and(|c| !is_space(c) && c != '\n') {
            let body = self.pos + len;
            let scan_end = (body + MAX_QUOTED_BYTES).min(self.bytes.len());
            let mut i = body;
            let mut prev = ' ';
            while i < scan_end {
                let (c, clen) = self.char_at(i);
                if c == '\n' {
                    break;
                }
                if c == '\'' && !is_space(prev) {
                    let after = self.bytes.get(i + clen).map(|_| self.char_at(i + clen).0);
                    if !after.is_some_and(char::is_alphanumeric) {
                        self.mask_quoted(len, i + clen, (i, clen));
                        return;
                    }
                }
                prev = c;
                i += clen;
            }
        }
        self.separate(len);
    }

    /// Masks a quoted span (opening mark of `open_len` bytes here, closing mark at `closer`,
    /// span ending at `end`), unless it is the whole text: then only the marks are dropped.
    fn mask_quoted(&mut self, open_len: usize, end: usize, closer: (usize, usize)) {
        if self.covers_everything(end) {
            self.deferred_closer = Some(closer);
            self.separate(open_len);
            return;
        }
        self.emit_word(QUOTED);
        self.pos = end;
    }

    /// Whether a span from the current position to `end` would leave the skeleton empty.
    fn covers_everything(&self, end: usize) -> bool {
        self.out.is_empty()
            && self.text[end..]
                .chars()
                .all(|c| fold(c).is_whitespace() || fold(c).is_ascii_punctuation())
    }

    /// A number starting at the current position (a digit, or a currency sign before one).
    fn number(&mut self, first_len: usize) {
        let mut i = self.pos + first_len;
        while i < self.bytes.len() {
            let (c, len) = self.char_at(i);
            if c.is_numeric() {
                i += len;
            } else if len == 1
                && matches!(c, '.' | ',' | ':' | '_' | '/' | '-')
                && self.next_is_numeric(i + 1)
            {
                i += 1;
            } else {
                if matches!(c, '%' | '‰') {
                    i += len;
                }
                break;
            }
        }
        self.flush_space();
        self.out.push(NUMBER as u8);
        self.sentence_start = false;
        self.pos = i;
    }

    /// Whether an identifier could start here: the previous character ends a token.
    fn at_token_start(&self) -> bool {
        if self.pos == 0 {
            return true;
        }
        let b = self.bytes[self.pos - 1];
        if b < 0x80 {
            return !is_ascii_token_byte(b);
        }
        let before = self.text[..self.pos].chars().next_back().unwrap_or(' ');
        !is_token_char(fold(before))
    }

    /// The end of the token at the current position when it is a URL, e-mail address, file
    /// path, hex id or UUID.
    fn identifier_end(&self) -> Option<usize> {
        let mut end = self.pos;
        // Every identifier holds a TELLING byte (or starts with "www."): most words do not.
        let mut telling = false;
        while end < self.bytes.len() {
            let b = self.bytes[end];
            if b < 0x80 {
                let class = ASCII_CLASS[usize::from(b)];
                if class & TOKEN == 0 {
                    break;
                }
                telling |= class & TELLING != 0;
                end += 1;
            } else {
                let (c, len) = self.char_at(end);
                if !is_token_char(c) {
                    break;
                }
                // Folded forms ("／", "ｗｗｗ．") may be telling: judge the token in full.
                telling = true;
                end += len;
            }
        }
        let token = &self.text[self.pos..end];
        if !telling && !token.as_bytes()[..token.len().min(4)].eq_ignore_ascii_case(b"www.") {
            return None;
        }
        let trimmed =
            token.trim_end_matches(|c| matches!(fold(c), '.' | ',' | ':' | ';' | '!' | '?'));
        let is_id = if trimmed.is_ascii() {
            is_identifier(trimmed)
        } else {
            // Judge the token as it will read once folded and lower-cased, so that the
            // skeleton of a skeleton judges it the same way.
            let canonical: String = trimmed
                .chars()
                .map(fold)
                .flat_map(char::to_lowercase)
                .collect();
            is_identifier(&canonical)
        };
        (trimmed.len() >= 4 && is_id).then_some(self.pos + trimmed.len())
    }

    /// The end of a run of at least `min_words` capitalised words starting here, if it is a
    /// name (at a sentence start one capitalised word is no evidence, two in a row are). A
    /// name is made of whole tokens (it never starts or ends inside a token such as
    /// `Foo/bar`), so masking it never changes what the tokens around it are.
    fn name_run_end(&self, min_words: usize) -> Option<usize> {
        if min_words > 1 && self.bytes[self.pos].is_ascii() {
            // Quick exit for the common case, a sentence starting with one capitalised word.
            let word_end = self.pos
                + 1
                + self.bytes[self.pos + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphabetic())
                    .count();
            let next_is_capital = self.bytes.get(word_end) == Some(&b' ')
                && self
                    .bytes
                    .get(word_end + 1)
                    .is_some_and(|&b| b >= 0x80 || b.is_ascii_uppercase());
            if !next_is_capital {
                return None;
            }
        }
        let mut end = None;
        let mut words = 0;
        let mut word_start = self.pos;
        while let Some(len) = capitalised_word_end(&self.text[word_start..]) {
            let word_end = word_start + len;
            if !ends_token(&self.text[word_end..]) {
                break;
            }
            words += 1;
            if words >= min_words {
                end = Some(word_end);
            }
            if self.bytes.get(word_end) != Some(&b' ') {
                break;
            }
            word_start = word_end + 1;
        }
        end
    }
}

/// The length of a capitalised word at the start of `text` that may be part of a name: an
/// upper-case letter, then at least one lower-case letter, and not a common English function
/// word or imperative (which are capitalised for other reasons).
fn capitalised_word_end(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    if !first.is_uppercase() || first.to_lowercase().eq(std::iter::once(first)) {
        return None;
    }
    let end = chars
        .find(|&(_, c)| !c.is_alphabetic() || is_cjk(c))
        .map_or(text.len(), |(i, _)| i);
    let word = &text[..end];
    if !word.chars().skip(1).any(char::is_lowercase) || is_common_capitalised(word) {
        return None;
    }
    Some(end)
}

/// English words that are capitalised at the start of a clause, after a colon or in a title,
/// but never names.
fn is_common_capitalised(word: &str) -> bool {
    if word.len() > 12 || !word.is_ascii() {
        return false;
    }
    let mut buf = [0u8; 12];
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    matches!(
        &*lower,
        b"a" | b"an"
            | b"the"
            | b"this"
            | b"that"
            | b"these"
            | b"those"
            | b"it"
            | b"its"
            | b"you"
            | b"your"
            | b"we"
            | b"our"
            | b"they"
            | b"he"
            | b"she"
            | b"his"
            | b"her"
            | b"my"
            | b"me"
            | b"what"
            | b"how"
            | b"why"
            | b"when"
            | b"where"
            | b"who"
            | b"which"
            | b"is"
            | b"are"
            | b"was"
            | b"were"
            | b"do"
            | b"does"
            | b"did"
            | b"can"
            | b"could"
            | b"would"
            | b"should"
            | b"will"
            | b"if"
            | b"in"
            | b"on"
            | b"at"
            | b"for"
            | b"and"
            | b"but"
            | b"or"
            | b"not"
            | b"no"
            | b"yes"
            | b"to"
            | b"of"
            | b"as"
            | b"with"
            | b"by"
            | b"from"
            | b"each"
            | b"every"
            | b"all"
            | b"some"
            | b"any"
            | b"there"
            | b"here"
            | b"then"
            | b"also"
            | b"however"
            | b"hi"
            | b"hello"
            | b"hey"
            | b"dear"
            | b"thanks"
            | b"please"
            | b"note"
            | b"question"
            | b"answer"
            | b"task"
            | b"input"
            | b"output"
            | b"example"
            | b"step"
            | b"write"
            | b"summarize"
            | b"summarise"
            | b"explain"
            | b"translate"
            | b"describe"
            | b"create"
            | b"generate"
            | b"list"
            | b"give"
            | b"provide"
            | b"solve"
            | b"calculate"
            | b"compute"
            | b"find"
            | b"rewrite"
            | b"evaluate"
            | b"rate"
            | b"score"
            | b"compare"
            | b"classify"
            | b"analyze"
            | b"analyse"
            | b"implement"
            | b"use"
            | b"make"
            | b"tell"
            | b"show"
            | b"think"
            | b"let"
            | b"consider"
            | b"imagine"
            | b"suppose"
            | b"assume"
            | b"read"
            | b"return"
            | b"respond"
            | b"reply"
            | b"act"
            | b"determine"
    )
}

/// Whether a word ending where `rest` starts also ends its token (trailing sentence
/// punctuation aside).
fn ends_token(rest: &str) -> bool {
    let mut chars = rest.chars().map(fold);
    loop {
        match chars.next() {
            None => return true,
            Some('.' | ',' | '!' | '?' | ':' | ';') => continue,
            Some(c) => return !is_token_char(c),
        }
    }
}

/// Whether a token (no white space, trailing punctuation removed) is an identifier.
fn is_identifier(token: &str) -> bool {
    let bytes = token.as_bytes();
    let lower_starts = |prefix: &str| {
        bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    if token.contains("://") || lower_starts("www.") {
        return true;
    }
    is_email(token) || is_hex_id(bytes) || is_path(token)
}

fn is_email(token: &str) -> bool {
    let Some((local, domain)) = token.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b));
    let domain_ok = domain
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && domain
            .rsplit_once('.')
            .is_some_and(|(host, tld)| !host.is_empty() && tld.len() >= 2);
    local_ok && domain_ok
}

/// Hex ids and UUIDs: at least 8 hex digits (hyphens allowed), mixing digits and letters.
fn is_hex_id(bytes: &[u8]) -> bool {
    let mut hex = 0;
    let (mut digit, mut letter) = (false, false);
    for &b in bytes {
        match b {
            b'0'..=b'9' => digit = true,
            b'a'..=b'f' | b'A'..=b'F' => letter = true,
            b'-' => continue,
            _ => return false,
        }
        hex += 1;
    }
    hex >= 8 && digit && letter
}

/// File paths: `/a/b`, `./a`, `../a`, `~/a`, `C:\a`, `a\b\c`, `a/b/c`, `a/b.ext`.
fn is_path(token: &str) -> bool {
    if !token.chars().any(char::is_alphabetic) {
        return false;
    }
    let bytes = token.as_bytes();
    let starts = |p: &[u8]| bytes.starts_with(p);
    if starts(b"./") || starts(b"../") || starts(b"~/") {
        return true;
    }
    if bytes.len() > 3 && bytes[0].is_ascii_alphabetic() && &bytes[1..3] == b":\\" {
        return true;
    }
    let slashes = bytes.iter().filter(|&&b| b == b'/').count();
    let backslashes = bytes.iter().filter(|&&b| b == b'\\').count();
    if slashes >= 2 || backslashes >= 2 {
        return true;
    }
    if slashes + backslashes == 0 {
        return false;
    }
    if bytes[0] == b'/' && token[1..].contains('.') {
        return true;
    }
    // One separator: a path only with a file extension ("src/main.rs", not "and/or").
    let last = token.rsplit(['/', '\\']).next().unwrap_or("");
    last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty()
            && (1..=5).contains(&ext.len())
            && ext.bytes().all(|b| b.is_ascii_alphabetic())
    })
}

/// Characters an identifier token can hold: anything visible but quotes, brackets and CJK
/// text (commas stay in, since a number such as `1,000` may run on into a token); CJK text (an identifier in Chinese text ends where the Chinese resumes).
fn is_token_char(c: char) -> bool {
    if c.is_ascii() {
        return is_ascii_token_byte(c as u8);
    }
    // Numbers become `#`, a token character, so every number character is one already
    // (even the CJK numerals of the CJK symbol block).
    c.is_numeric()
        || !(is_space(c)
            || matches!(
                c,
                '"' | '\'' | '`' | '<' | '>' | '(' | ')' | '[' | ']' | '{' | '}'
            )
            || is_cjk(c)
            || is_cjk_punctuation(c))
}

/// [`is_token_char`] for ASCII.
#[inline]
fn is_ascii_token_byte(b: u8) -> bool {
    ASCII_CLASS[usize::from(b & 0x7f)] & TOKEN != 0 && b < 0x80
}

/// Class bit of ASCII bytes that an identifier token can hold.
const TOKEN: u8 = 1;
/// Class bit of ASCII bytes of which every identifier holds one (or starts with "www.").
const TELLING: u8 = 2;
/// The class bits of each ASCII byte.
static ASCII_CLASS: [u8; 128] = {
    let mut class = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        if byte.is_ascii_graphic()
            && !matches!(
                byte,
                b'"' | b'\'' | b'`' | b'<' | b'>' | b'(' | b')' | b'[' | b']' | b'{' | b'}'
            )
        {
            class[b] |= TOKEN;
        }
        if matches!(byte, b'/' | b'\\' | b'@' | b':' | b'0'..=b'9') {
            class[b] |= TELLING;
        }
        b += 1;
    }
    class
};

/// Characters that separate words and are replaced by one space.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '\u{200b}'..='\u{200d}' | '\u{feff}')
}

/// Characters that may stand on both sides of an apostrophe inside a word (the masks count:
/// `<name>'s`, `#'s`).
fn is_wordish(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '#' | '<' | '>' | '_')
}

fn is_currency(c: char) -> bool {
    matches!(c, '$' | '€' | '£' | '¥' | '₹' | '₩' | '₽')
}

/// CJK ideographs, kana and hangul: written without spaces, one character per word.
#[inline]
pub(crate) fn is_cjk(c: char) -> bool {
    (c as u32) >= 0x2e80
        && matches!(c,
        '\u{2e80}'..='\u{2fdf}'
        | '\u{3040}'..='\u{30ff}'
        | '\u{3100}'..='\u{312f}'
        | '\u{3190}'..='\u{31ff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{ac00}'..='\u{d7af}'
        | '\u{f900}'..='\u{faff}'
        | '\u{20000}'..='\u{3134f}')
}

fn is_cjk_punctuation(c: char) -> bool {
    (c as u32) >= 0x3000
        && matches!(c, '\u{3000}'..='\u{303f}' | '\u{fe30}'..='\u{fe4f}' | '\u{ff00}'..='\u{ffef}')
}

/// Full-width ASCII forms to ASCII, the ideographic space and yen to theirs, and curly
/// quotes to straight ones, so that one template typed with different input methods agrees.
#[inline]
pub(crate) fn fold(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{ffe5}' => '¥',
        '\u{2018}' | '\u{2019}' | '\u{201b}' | '\u{2032}' => '\'',
        '\u{201c}' | '\u{201d}' | '\u{201f}' | '\u{2033}' | '\u{00ab}' | '\u{00bb}' => '"',
        _ => c,
    }
}

/// Columns of indentation at the start of a line (a tab counts as four).
fn indent_width(line: &[u8]) -> usize {
    let mut width = 0;
    for &b in line {
        match b {
            b' ' => width += 1,
            b'\t' => width += 4,
            _ => break,
        }
        if width >= 4 {
            break;
        }
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_skeleton(text: &str, expected: &str) {
        let got = skeleton(text);
        assert_eq!(got, expected, "skeleton of {text:?}");
        assert_eq!(skeleton(&got), got, "skeleton of {text:?} is not stable");
    }

    #[test]
    fn full_width_markers_mean_on_the_first_pass_what_they_mean_on_the_second() {
        for text in [
            "~~～ code",
            "b\u{7f} ~~～ᅴ",
            "｀｀｀x｀｀｀",
            "＂quoted＂ text",
        ] {
            let once = skeleton(text);
            assert_eq!(skeleton(&once), once, "{text:?}");
        }
    }

    #[test]
    fn a_full_width_grave_accent_is_a_backtick_not_an_endless_loop() {
        assert_eq!(skeleton("｀"), "");
        assert_eq!(skeleton("a｀b"), skeleton("a`b"));
        assert_eq!(skeleton("say ｀hi｀ now"), skeleton("say `hi` now"));
    }

    #[test]
    fn numbers_of_every_shape_become_one_mark() {
        assert_skeleton(
            "Pay $80,000 plus 12.5% on 2024-01-31, i.e. €3.99 × 1e-5 at 14:30",
            "pay # plus # on #, i.e. # × #e-# at #",
        );
        assert_skeleton("小明有１５个苹果，每个３.５元", "小明有#个苹果,每个#元");
        assert_skeleton("gpt-4o and 3D", "gpt-#o and #d");
    }

    #[test]
    fn quoted_strings_and_inline_code_are_masked() {
        assert_skeleton(
            r#"Translate "good morning" and “see you soon” into French"#,
            "translate <q> and <q> into <name>",
        );
        assert_skeleton(
            "Rename the variable `userCount` to ``total_users``",
            "rename the variable <q> to <q>",
        );
        assert_skeleton(
            "Classify the word 'serendipity' by sentiment.",
            "classify the word <q> by sentiment.",
        );
        assert_skeleton("请为《三体》写一段「简短」的书评", "请为<q>写一段<q>的书评");
    }

    #[test]
    fn apostrophes_inside_words_are_not_quotes() {
        assert_skeleton(
            "Don't worry, it's Janet’s turn and the students' books are ready",
            "don't worry, it's <name>'s turn and the students books are ready",
        );
    }

    #[test]
    fn unpaired_quote_marks_become_spaces() {
        assert_skeleton(r#"He said "hello and left"#, "he said hello and left");
        assert_skeleton("a `tick and 'quote", "a tick and quote");
    }

    #[test]
    fn a_quote_longer_than_a_slot_value_stays_text() {
        let long = "word ".repeat(60);
        let text = format!("Summarise \"{long}\" briefly");
        let expected = format!("summarise {} briefly", long.trim_end());
        assert_skeleton(&text, &expected);
    }

    #[test]
    fn fenced_and_indented_code_is_masked() {
        assert_skeleton(
            "Why does this fail?\n```python\nprint(items[10])\n```\nI get an IndexError.",
            "why does this fail? <code> i get an <name>.",
        );
        assert_skeleton(
            "Fix the bug below.\n\n    for (i = 0; i <= n; i++) {\n        sum += a[i];\n    }\n\nThanks!",
            "fix the bug below. <code> thanks!",
        );
        assert_skeleton(
            "Explain:```let x = 1;``` and ```let y;",
            "explain: <code> and <code>",
        );
    }

    #[test]
    fn indented_prose_is_not_code() {
        assert_skeleton(
            "My poem:\n\n    Roses are red\n    violets are blue",
            "my poem: roses are red violets are blue",
        );
    }

    #[test]
    fn a_prompt_that_is_only_a_quote_or_only_code_keeps_its_text() {
        assert_skeleton(
            "\"What is the capital of france?\"",
            "what is the capital of france?",
        );
        assert_skeleton("```rust\nfn main() {}\n```", "fn main() {}");
    }

    #[test]
    fn urls_emails_paths_and_hex_ids_are_masked() {
        assert_skeleton(
            "See https://example.com/a?b=1, mail jane.doe@corp.io or open /var/log/syslog.",
            "see <id>, mail <id> or open <id>.",
        );
        assert_skeleton(
            "Edit src/main.rs and C:\\Users\\me\\notes.txt (commit 9f2c1ab3e)",
            "edit <id> and <id> (commit <id>)",
        );
        assert_skeleton(
            "request 550e8400-e29b-41d4-a716-446655440000 failed",
            "request <id> failed",
        );
        assert_skeleton("参见https://docs.rs/xxhash文档", "参见<id>文档");
    }

    #[test]
    fn slashes_in_prose_are_not_paths() {
        assert_skeleton("and/or km/h a/b testing", "and/or km/h a/b testing");
    }

    #[test]
    fn capitalised_names_mid_sentence_are_masked_but_sentence_starts_are_not() {
        assert_skeleton(
            "Mary bought apples from Tom Hanks in New York. Then she left.",
            "mary bought apples from <name> in <name>. then she left.",
        );
        assert_skeleton(
            "Question: What did the Prime Minister say?",
            "question: what did the <name> say?",
        );
        assert_skeleton("I think I can", "i think i can");
    }

    #[test]
    fn a_run_of_capitalised_words_is_a_name_even_at_a_sentence_start() {
        assert_skeleton(
            "Wei Zhang buys pens. Sofia buys ink.",
            "<name> buys pens. sofia buys ink.",
        );
        assert_skeleton("The United Nations met.", "the <name> met.");
    }

    #[test]
    fn white_space_collapses_to_single_spaces() {
        assert_skeleton(
            "  one\t\ttwo\r\n\n three\u{3000}four\u{200b}five  ",
            "one two three four five",
        );
    }

    #[test]
    fn one_template_with_different_slots_has_one_skeleton() {
        let fill = |name: &str, n: u32, price: &str, item: &str| {
            format!(
                "You are a careful tutor. Today {name} buys {n} boxes of \"{item}\" at ${price} each \
                 and pays with a $100 bill. How much change does {name} get? Show every step."
            )
        };
        let a = skeleton(&fill("Sofia", 3, "4.25", "crayons"));
        let b = skeleton(&fill("Wei Zhang", 12, "7", "granola bars"));
        assert_eq!(a, b);
    }

    #[test]
    fn a_fixed_frame_around_different_tasks_has_one_template_frame() {
        let wrap = |task: &str| {
            format!(
                "SYSTEM TASK #4411. You are an expert problem solver working for a research lab. \
                 Read the task below carefully and produce a complete, rigorous solution. Reason \
                 explicitly about every assumption you make.\n\nTask:\n{task}\n\nFormat: first a \
                 numbered list of reasoning steps, each justified from the previous ones, then \
                 a short check of the result against the task's conditions, then the final \
                 answer on its own line prefixed with ANSWER:, and nothing after it. Do not \
                 skip steps, do not merge steps, and do not refer to these instructions."
            )
        };
        let task_a = "A cyclist rides up a hill at a steady pace and returns down it at twice \
                      that pace; find her average speed over the whole trip if the uphill leg \
                      took forty minutes and the hill road is long. "
            .repeat(2);
        let task_b = "Given an array of integers, return the length of the longest strictly \
                      increasing subsequence and explain the dynamic programming recurrence \
                      used to compute it efficiently for large arrays. "
            .repeat(2);
        let (fa, fb) = (
            template_frame(&wrap(&task_a)),
            template_frame(&wrap(&task_b)),
        );
        assert_eq!(fa, fb);
        assert!(fa.contains(FRAME_CUT));
        assert_ne!(skeleton(&wrap(&task_a)), skeleton(&wrap(&task_b)));
    }

    #[test]
    fn a_short_prompt_is_its_own_frame() {
        let prompt = "Name three rivers in Africa.";
        assert_eq!(template_frame(prompt), skeleton(prompt));
    }

    #[test]
    fn chinese_frames_are_cut_by_characters() {
        let body = "这是一段需要模型处理的任务内容，".repeat(40);
        let frame = template_frame(&format!(
            "请仔细阅读下面的材料。{body}请给出详细的推理过程。"
        ));
        assert!(frame.starts_with("请仔细阅读下面的材料。"));
        assert!(frame.ends_with("请给出详细的推理过程。"));
        assert!(frame.chars().count() <= 2 * FRAME_CHARS + FRAME_CUT.len());
    }

    #[test]
    fn full_width_forms_fold_to_ascii() {
        assert_skeleton("ＡＰＩ　ｋｅｙ：１２３", "api key:#");
    }
}
