//! Byte spans inside a source file and their conversion to 1-based line/column positions: the one
//! place positions are computed, for migration, schema and query findings and for messages that
//! name a line.
//!
//! Lines are counted at `\n` only (a lone `\r` does not end a line, in any format); columns count
//! Unicode scalar values, so a multi-byte identifier moves the column by one.

use serde::{Deserialize, Serialize};

/// A half-open byte range `[start, end)` into one source file's text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// This span widened to whole characters of `text` and clamped to it: the start moves back to
    /// the start of the character it falls in, the end forward to the end of its character.
    /// Slicing `text` with the result never panics.
    pub fn on_char_boundaries(self, text: &str) -> Span {
        let start = floor_char_boundary(text, self.start);
        let mut end = self.end.clamp(start, text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        Span { start, end }
    }
}

/// The largest character boundary of `text` at or before `offset` (`text.len()` past the end).
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A span placed in its text: widened to whole characters, with the positions of its ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub span: Span,
    pub start: Position,
    pub end: Position,
}

/// The 1-based line of `offset` in `text` (clamped to a character boundary of it), for a single
/// lookup; [`LineIndex`] answers many lookups in one text.
pub fn line_of(text: &str, offset: usize) -> usize {
    let offset = floor_char_boundary(text, offset);
    memchr::memchr_iter(b'\n', &text.as_bytes()[..offset]).count() + 1
}

/// Maps byte offsets of one text to line/column positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|at| at + 1));
        LineIndex { line_starts }
    }

    /// The position of `offset` in `text` (the same text this index was built from).
    /// Offsets past the end or inside a multi-byte character are clamped to a character boundary.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let line_start = self.line_starts[line];
        let column = text[line_start..offset].chars().count() + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// `span` widened to whole characters of `text` (see [`Span::on_char_boundaries`]), with the
    /// positions of its start and end. Every span placed this way can slice `text`.
    pub fn place(&self, text: &str, span: Span) -> Placed {
        let span = span.on_char_boundaries(text);
        Placed {
            span,
            start: self.position(text, span.start),
            end: self.position(text, span.end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "select 1;\nalter table \"ünïcode\" add x int;";
        let index = LineIndex::new(text);
        let x = text.find(" add").unwrap();
        assert_eq!(
            index.position(text, x),
            Position {
                line: 2,
                column: 22
            }
        );
        assert_eq!(index.position(text, 0), Position { line: 1, column: 1 });
        assert_eq!(index.position(text, 10), Position { line: 2, column: 1 });
        assert_eq!(index.position(text, 10_000).line, 2);
    }

    #[test]
    fn one_lookup_and_the_index_agree_on_lines() {
        // `\r` alone ends no line; an offset inside `ü` counts from the character's start.
        let text = "a\rb\n\u{fc}x\r\n\ny";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                line_of(text, offset),
                index.position(text, offset).line,
                "{offset}"
            );
        }
        assert_eq!(line_of(text, 2), 1);
        assert_eq!(line_of(text, text.len()), 4);
    }

    #[test]
    fn placing_widens_the_span_and_positions_its_ends() {
        let text = "select 1;\n\u{3000}x";
        let index = LineIndex::new(text);
        let placed = index.place(text, Span::new(11, 14));
        assert_eq!(placed.span, Span::new(10, 14));
        assert_eq!(placed.start, Position { line: 2, column: 1 });
        assert_eq!(placed.end, Position { line: 2, column: 3 });
    }

    #[test]
    fn spans_widen_to_whole_characters() {
        // `\u{a0}` is two bytes, `\u{3000}` three.
        let text = "a\u{a0}b\u{3000}";
        assert_eq!(Span::new(2, 2).on_char_boundaries(text), Span::new(1, 3));
        assert_eq!(Span::new(1, 2).on_char_boundaries(text), Span::new(1, 3));
        assert_eq!(Span::new(0, 5).on_char_boundaries(text), Span::new(0, 7));
        assert_eq!(Span::new(6, 99).on_char_boundaries(text), Span::new(4, 7));
        assert_eq!(Span::new(50, 99).on_char_boundaries(text), Span::new(7, 7));
        assert_eq!(floor_char_boundary(text, 5), 4);
    }
}
