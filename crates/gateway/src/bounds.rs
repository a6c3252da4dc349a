//! A bounds check of a data set's element lengths before dicom-rs reads it.
//!
//! dicom-rs allocates an element's value at the length its header states. A hostile or
//! broken peer can state gigabytes in a few bytes, which costs seconds of CPU and gigabytes
//! of memory per message (the fuzz tests found it). This walk reads only element headers
//! (tag, VR, length), descending into sequences and items, and refuses any defined length
//! that runs past the end of its enclosing item or the data set. Reading values is left to
//! dicom-rs.

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

const UNDEFINED: u32 = 0xFFFF_FFFF;
const ITEM: Tag = Tag(0xFFFE, 0xE000);
const ITEM_END: Tag = Tag(0xFFFE, 0xE00D);
const SEQUENCE_END: Tag = Tag(0xFFFE, 0xE0DD);
const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);
/// Sequences nested deeper than this are refused.
const MAX_DEPTH: usize = 32;

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u16(&mut self) -> Result<u16, String> {
        let s = self
            .b
            .get(self.pos..self.pos + 2)
            .ok_or("truncated element header")?;
        self.pos += 2;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let s = self
            .b
            .get(self.pos..self.pos + 4)
            .ok_or("truncated element header")?;
        self.pos += 4;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn tag(&mut self) -> Result<Tag, String> {
        Ok(Tag(self.u16()?, self.u16()?))
    }
}

fn long_length_vr(vr: &[u8]) -> bool {
    matches!(
        vr,
        b"OB"
            | b"OD"
            | b"OF"
            | b"OL"
            | b"OV"
            | b"OW"
            | b"SQ"
            | b"SV"
            | b"UC"
            | b"UN"
            | b"UR"
            | b"UT"
            | b"UV"
    )
}

fn is_sequence_in_dictionary(tag: Tag) -> bool {
    matches!(
        StandardDataDictionary.by_tag(tag).map(|e| e.vr()),
        Some(VirtualVr::Exact(VR::SQ))
    )
}

/// Checks the element lengths of a data set (Little Endian, explicit or implicit VR).
pub fn check(bytes: &[u8], explicit: bool) -> Result<(), String> {
    let mut r = Reader { b: bytes, pos: 0 };
    walk(&mut r, bytes.len(), explicit, 0)
}

/// Walks elements until `end` (or an item/sequence delimiter, which returns to the caller).
fn walk(r: &mut Reader<'_>, end: usize, explicit: bool, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("sequences nested too deeply".into());
    }
    while r.pos < end {
        let tag = r.tag()?;
        if tag == ITEM_END || tag == SEQUENCE_END {
            r.u32()?;
            return Ok(());
        }
        if tag == ITEM {
            // An item outside a sequence: malformed.
            return Err("an item outside a sequence".into());
        }
        let (len, is_sq) = if explicit {
            let vr = [
                *r.b.get(r.pos).ok_or("truncated element header")?,
                *r.b.get(r.pos + 1).ok_or("truncated element header")?,
            ];
            r.pos += 2;
            if long_length_vr(&vr) {
                r.u16()?;
                (
                    r.u32()?,
                    &vr == b"SQ" || (&vr == b"UN" && is_sequence_in_dictionary(tag)),
                )
            } else {
                (r.u16()? as u32, false)
            }
        } else {
            let len = r.u32()?;
            (
                len,
                is_sequence_in_dictionary(tag) || (len == UNDEFINED && tag != PIXEL_DATA),
            )
        };
        if len == UNDEFINED {
            if tag == PIXEL_DATA {
                fragments(r, end)?;
            } else {
                items(r, end, None, explicit, depth + 1)?;
            }
            continue;
        }
        let value_end = r
            .pos
            .checked_add(len as usize)
            .filter(|e| *e <= end)
            .ok_or_else(|| {
                format!(
                    "element ({:04X},{:04X}) is longer than the data",
                    tag.0, tag.1
                )
            })?;
        if is_sq {
            items(r, value_end, Some(value_end), explicit, depth + 1)?;
        }
        r.pos = value_end;
    }
    Ok(())
}

/// Items of a sequence, up to its defined end or its delimiter.
fn items(
    r: &mut Reader<'_>,
    end: usize,
    defined_end: Option<usize>,
    explicit: bool,
    depth: usize,
) -> Result<(), String> {
    loop {
        if let Some(e) = defined_end
            && r.pos >= e
        {
            return Ok(());
        }
        if r.pos >= end {
            return Err("a sequence runs past the end of the data".into());
        }
        let tag = r.tag()?;
        let len = r.u32()?;
        if tag == SEQUENCE_END {
            return Ok(());
        }
        if tag != ITEM {
            return Err(format!(
                "({:04X},{:04X}) where a sequence item was expected",
                tag.0, tag.1
            ));
        }
        if len == UNDEFINED {
            walk(r, end, explicit, depth)?;
        } else {
            let item_end = r
                .pos
                .checked_add(len as usize)
                .filter(|e| *e <= end)
                .ok_or("a sequence item is longer than the data")?;
            walk(r, item_end, explicit, depth)?;
            r.pos = item_end;
        }
    }
}

/// Encapsulated pixel data: items of raw bytes up to the sequence delimiter.
fn fragments(r: &mut Reader<'_>, end: usize) -> Result<(), String> {
    loop {
        let tag = r.tag()?;
        let len = r.u32()?;
        if tag == SEQUENCE_END {
            return Ok(());
        }
        if tag != ITEM || len == UNDEFINED {
            return Err("malformed encapsulated pixel data".into());
        }
        r.pos = r
            .pos
            .checked_add(len as usize)
            .filter(|e| *e <= end)
            .ok_or("a pixel data fragment is longer than the data")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_length_past_the_end() {
        // (B165,EE18) claiming 3.3 GB in 25 bytes: the input that made dicom-rs spin.
        let v = [
            101, 177, 24, 238, 195, 222, 91, 199, 142, 233, 16, 212, 39, 111, 93, 237, 226, 217,
            176, 9, 173, 232, 71, 195, 216,
        ];
        assert!(check(&v, false).is_err());
    }

    #[test]
    fn accepts_well_formed_sets_with_sequences_and_fragments() {
        // (0010,0020) LO "12" explicit; then an SQ of undefined length with one item of
        // undefined length holding (0008,0060) CS "MG"; then encapsulated pixel data.
        let mut b = vec![0x10, 0x00, 0x20, 0x00, b'L', b'O', 2, 0, b'1', b'2'];
        b.extend([
            0x08, 0x00, 0x20, 0x11, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        b.extend([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        b.extend([0x08, 0x00, 0x60, 0x00, b'C', b'S', 2, 0, b'M', b'G']);
        b.extend([0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
        b.extend([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        b.extend([
            0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        b.extend([0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]); // empty offset table
        b.extend([0xFE, 0xFF, 0x00, 0xE0, 4, 0, 0, 0, 1, 2, 3, 4]);
        b.extend([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        assert_eq!(check(&b, true), Ok(()));
        // A fragment claiming more than there is.
        let n = b.len();
        b[n - 16] = 0xFF;
        assert!(check(&b, true).is_err());
    }
}
