//! Splitting a body into MESH chunks.
//!
//! MESH takes at most 100 MB in one request (20 MB over the internet). A larger message
//! goes as `n` chunks: the first with the ordinary send (`POST outbox`, header
//! `mex-Chunk-Range: 1:n`), the rest with `POST outbox/{message id}/{k}` and
//! `mex-Chunk-Range: k:n`. MESH delivers the message only when all `n` have arrived.

use std::ops::Range;

/// The byte ranges of `len` bytes cut into chunks of at most `chunk_size` bytes, in order.
/// Always at least one range: a message is at least one request (an empty body gives one
/// empty range, which [`crate::MeshClient::send`] refuses before sending anything).
///
/// `chunk_size` must be positive ([`crate::MeshClient::new`] checks it); zero is treated
/// as one so this never loops forever.
#[expect(
    clippy::single_range_in_vec_init,
    reason = "one empty range is the answer for an empty body"
)]
pub fn chunk_ranges(len: usize, chunk_size: usize) -> Vec<Range<usize>> {
    let size = chunk_size.max(1);
    if len == 0 {
        return vec![0..0];
    }
    (0..len.div_ceil(size))
        .map(|i| i * size..((i + 1) * size).min(len))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(
        clippy::single_range_in_vec_init,
        reason = "the table's answers are lists of ranges"
    )]
    fn chunk_table() {
        let c = 64 * 1024;
        let table: Vec<(usize, Vec<Range<usize>>)> = vec![
            (0, vec![0..0]),
            (1, vec![0..1]),
            (c - 1, vec![0..c - 1]),
            (c, vec![0..c]),
            (c + 1, vec![0..c, c..c + 1]),
            (2 * c, vec![0..c, c..2 * c]),
            // 3.5 times the chunk size: three whole chunks and a half one.
            (
                c * 7 / 2,
                vec![0..c, c..2 * c, 2 * c..3 * c, 3 * c..c * 7 / 2],
            ),
        ];
        for (len, expected) in table {
            assert_eq!(chunk_ranges(len, c), expected, "len {len}");
        }
    }

    #[test]
    fn ranges_cover_the_body_exactly() {
        for size in [1, 2, 3, 7, 64] {
            for len in 0..200 {
                let ranges = chunk_ranges(len, size);
                assert!(!ranges.is_empty());
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges[ranges.len() - 1].end, len);
                for pair in ranges.windows(2) {
                    assert_eq!(pair[0].end, pair[1].start);
                }
                assert!(ranges.iter().all(|r| r.len() <= size));
                assert!(len == 0 || ranges.iter().all(|r| !r.is_empty()));
            }
        }
    }

    #[test]
    fn zero_chunk_size_does_not_hang() {
        assert_eq!(chunk_ranges(3, 0), vec![0..1, 1..2, 2..3]);
    }
}
