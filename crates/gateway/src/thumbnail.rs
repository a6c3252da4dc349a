//! Thumbnails of For Presentation mammograms.
//!
//! The display pipeline is the standard's grayscale one: stored value -> modality LUT
//! (rescale slope and intercept) -> VOI LUT (the first window; LINEAR, LINEAR_EXACT or
//! SIGMOID) -> presentation (inverted for MONOCHROME1 or a Presentation LUT Shape of
//! INVERSE) -> 8 bits. Nothing is stretched to the image's own minimum and maximum: an
//! image without a window uses the full range its Bits Stored allows.
//!
//! Speed: the stored values are box-averaged down to the thumbnail size first (rows in
//! parallel), and only the few hundred thousand averages go through the window. Rescale is
//! linear, so averaging before it changes nothing; averaging before the window is the usual
//! approximation of a smooth downscale.

use rayon::prelude::*;

/// The VOI LUT function (0028,1056).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VoiFunction {
    #[default]
    Linear,
    LinearExact,
    Sigmoid,
}

impl VoiFunction {
    pub fn parse(s: &str) -> VoiFunction {
        match s.trim().to_ascii_uppercase().as_str() {
            "SIGMOID" => VoiFunction::Sigmoid,
            "LINEAR_EXACT" => VoiFunction::LinearExact,
            _ => VoiFunction::Linear,
        }
    }
}

/// Everything that turns a stored value into a displayed grey level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Display {
    pub rescale_slope: f64,
    pub rescale_intercept: f64,
    pub window_center: f64,
    pub window_width: f64,
    pub function: VoiFunction,
    /// MONOCHROME1, or Presentation LUT Shape INVERSE: the lowest value shows white.
    pub invert: bool,
}

impl Display {
    /// The display for an image without a VOI window: the whole range that `bits_stored`
    /// allows (after the modality LUT), never the image's own min and max.
    pub fn full_range(
        bits_stored: u16,
        signed: bool,
        slope: f64,
        intercept: f64,
        invert: bool,
    ) -> Display {
        let bits = bits_stored.clamp(1, 32) as i32;
        let (lo, hi) = if signed {
            (-(2f64.powi(bits - 1)), 2f64.powi(bits - 1) - 1.0)
        } else {
            (0.0, 2f64.powi(bits) - 1.0)
        };
        let (a, b) = (lo * slope + intercept, hi * slope + intercept);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        Display {
            rescale_slope: slope,
            rescale_intercept: intercept,
            window_center: (lo + hi + 1.0) / 2.0,
            window_width: (hi - lo + 1.0).max(1.0),
            function: VoiFunction::Linear,
            invert,
        }
    }
}

/// VOI LUT of one modality value, as a fraction of the output range (0.0 to 1.0),
/// following PS3.3 C.11.2.1.2.
pub fn voi(x: f64, center: f64, width: f64, function: VoiFunction) -> f64 {
    match function {
        VoiFunction::Linear => {
            // A width below 1 is invalid; treat it as the narrowest window.
            let w = width.max(1.0);
            let c = center;
            if w <= 1.0 {
                return if x <= c - 0.5 { 0.0 } else { 1.0 };
            }
            if x <= c - 0.5 - (w - 1.0) / 2.0 {
                0.0
            } else if x > c - 0.5 + (w - 1.0) / 2.0 {
                1.0
            } else {
                (x - (c - 0.5)) / (w - 1.0) + 0.5
            }
        }
        VoiFunction::LinearExact => {
            let w = width.max(f64::MIN_POSITIVE);
            ((x - center) / w + 0.5).clamp(0.0, 1.0)
        }
        VoiFunction::Sigmoid => {
            let w = width.max(f64::MIN_POSITIVE);
            1.0 / (1.0 + (-4.0 * (x - center) / w).exp())
        }
    }
}

/// One stored value (or an average of several) to an 8-bit display value.
pub fn display_value(stored: f64, d: &Display) -> u8 {
    let modality = stored * d.rescale_slope + d.rescale_intercept;
    let mut y = voi(modality, d.window_center, d.window_width, d.function);
    if d.invert {
        y = 1.0 - y;
    }
    (y * 255.0).round().clamp(0.0, 255.0) as u8
}

/// Stored pixel values of one frame, little endian as they arrive (`data`), or already as
/// 16-bit words (`words`, used instead of `data` when present: native pixel data as parsed,
/// without a copy).
#[derive(Debug, Clone, Copy)]
pub struct Pixels<'a> {
    pub data: &'a [u8],
    pub words: Option<&'a [u16]>,
    pub rows: u32,
    pub columns: u32,
    /// 8 or 16.
    pub bits_allocated: u16,
    pub bits_stored: u16,
    pub signed: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ThumbnailError {
    #[error("the image has no pixels ({rows} x {columns})")]
    Empty { rows: u32, columns: u32 },
    #[error("{0} bits allocated is not supported for thumbnails (8 or 16)")]
    BitsAllocated(u16),
    #[error("the pixel data holds {got} bytes, {needed} are needed")]
    Short { got: usize, needed: usize },
    #[error("the thumbnail cannot be encoded: {0}")]
    Encode(String),
}

/// An 8-bit greyscale picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray8 {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// Adds one row's stored values (masked to Bits Stored, sign-extended if signed) into the
/// sums of its `f`-wide boxes.
fn accumulate<T: Copy + Into<u32>>(
    row: &[T],
    f: usize,
    mask: u32,
    sign_bit: Option<u32>,
    sums: &mut [i64],
) {
    for (chunk, s) in row.chunks(f).zip(sums.iter_mut()) {
        let mut acc: i64 = 0;
        match sign_bit {
            None => {
                for &v in chunk {
                    acc += (v.into() & mask) as i64;
                }
            }
            Some(sb) => {
                for &v in chunk {
                    let x = v.into() & mask;
                    acc += if x & sb != 0 {
                        x as i64 - (mask as i64 + 1)
                    } else {
                        x as i64
                    };
                }
            }
        }
        *s += acc;
    }
}

/// The box-averaging factor that brings the long side to at most `max_side`.
pub fn factor_for(rows: u32, columns: u32, max_side: u32) -> u32 {
    let long = rows.max(columns);
    long.div_ceil(max_side.max(1)).max(1)
}

/// Renders a thumbnail whose long side is at most `max_side` pixels.
pub fn render(p: &Pixels<'_>, d: &Display, max_side: u32) -> Result<Gray8, ThumbnailError> {
    if p.rows == 0 || p.columns == 0 {
        return Err(ThumbnailError::Empty {
            rows: p.rows,
            columns: p.columns,
        });
    }
    if p.bits_allocated != 8 && p.bits_allocated != 16 {
        return Err(ThumbnailError::BitsAllocated(p.bits_allocated));
    }
    let bytes_per = (p.bits_allocated / 8) as usize;
    let (rows, cols) = (p.rows as usize, p.columns as usize);
    let needed = rows * cols;
    let available = match p.words {
        Some(w) if p.bits_allocated == 16 => w.len(),
        _ => p.data.len() / bytes_per,
    };
    if available < needed {
        return Err(ThumbnailError::Short {
            got: available * bytes_per,
            needed: needed * bytes_per,
        });
    }
    let bits = p.bits_stored.clamp(1, p.bits_allocated) as u32;
    let mask: u32 = (1u32 << bits) - 1;
    let sign_bit = (p.signed).then(|| 1u32 << (bits - 1));
    let f = factor_for(p.rows, p.columns, max_side) as usize;
    let out_w = cols.div_ceil(f);
    let out_h = rows.div_ceil(f);
    let mut out = vec![0u8; out_w * out_h];
    out.par_chunks_mut(out_w)
        .enumerate()
        .for_each(|(oy, line)| {
            let mut sums = vec![0i64; out_w];
            let mut words_row: Vec<u16> = Vec::new();
            let y0 = oy * f;
            let y1 = (y0 + f).min(rows);
            for y in y0..y1 {
                let base = y * cols;
                match (p.bits_allocated, p.words) {
                    (16, Some(w)) => {
                        accumulate(&w[base..base + cols], f, mask, sign_bit, &mut sums)
                    }
                    (16, None) => {
                        words_row.clear();
                        words_row.extend(
                            p.data[2 * base..2 * (base + cols)]
                                .chunks_exact(2)
                                .map(|b| u16::from_le_bytes([b[0], b[1]])),
                        );
                        accumulate(&words_row, f, mask, sign_bit, &mut sums)
                    }
                    _ => accumulate(&p.data[base..base + cols], f, mask, sign_bit, &mut sums),
                }
            }
            let h = (y1 - y0) as i64;
            for (ox, (px, s)) in line.iter_mut().zip(sums).enumerate() {
                let x0 = ox * f;
                let w = ((x0 + f).min(cols) - x0) as i64;
                let mean = s as f64 / (w * h) as f64;
                *px = display_value(mean, d);
            }
        });
    Ok(Gray8 {
        width: out_w as u32,
        height: out_h as u32,
        data: out,
    })
}

/// Encodes a greyscale picture as PNG (fast compression: thumbnails are small).
pub fn encode_png(img: &Gray8) -> Result<Vec<u8>, ThumbnailError> {
    let mut buf = Vec::with_capacity(img.data.len() / 2);
    {
        let mut enc = png::Encoder::new(&mut buf, img.width, img.height);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc
            .write_header()
            .map_err(|e| ThumbnailError::Encode(e.to_string()))?;
        w.write_image_data(&img.data)
            .map_err(|e| ThumbnailError::Encode(e.to_string()))?;
        w.finish()
            .map_err(|e| ThumbnailError::Encode(e.to_string()))?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear(center: f64, width: f64) -> Display {
        Display {
            rescale_slope: 1.0,
            rescale_intercept: 0.0,
            window_center: center,
            window_width: width,
            function: VoiFunction::Linear,
            invert: false,
        }
    }

    fn u16_pixels(values: &[u16]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    #[test]
    fn linear_window_follows_the_standard_formula() {
        // c = 2048, w = 4096: the ends and the middle.
        let d = linear(2048.0, 4096.0);
        assert_eq!(display_value(0.0, &d), 0);
        assert_eq!(display_value(4095.0, &d), 255);
        assert_eq!(display_value(2047.5, &d), 128); // (0/4095 + 0.5) * 255 = 127.5
        // Below and above the window clamp.
        let d = linear(1000.0, 200.0);
        assert_eq!(display_value(899.0, &d), 0);
        assert_eq!(display_value(1100.0, &d), 255);
        // x = 950: ((950 - 999.5) / 199 + 0.5) * 255 = 64.07
        assert_eq!(display_value(950.0, &d), 64);
    }

    #[test]
    fn sigmoid_window_expected_values() {
        let d = Display {
            function: VoiFunction::Sigmoid,
            ..linear(2000.0, 1000.0)
        };
        // At the centre the sigmoid is exactly half way.
        assert_eq!(display_value(2000.0, &d), 128);
        // x = c + w/4: 255 / (1 + e^-1) = 186.4
        assert_eq!(display_value(2250.0, &d), 186);
        // x = c - w/4: 255 / (1 + e^1) = 68.6
        assert_eq!(display_value(1750.0, &d), 69);
        // Far outside it saturates but never jumps: no clipping at the window edge.
        assert_eq!(display_value(2500.0, &d), 225); // 255 / (1 + e^-2) = 224.6
        assert_eq!(display_value(0.0, &d), 0);
    }

    #[test]
    fn monochrome1_is_inverted() {
        let d = Display {
            invert: true,
            ..linear(2048.0, 4096.0)
        };
        assert_eq!(display_value(0.0, &d), 255);
        assert_eq!(display_value(4095.0, &d), 0);
        // x = 1024: ((1024 - 2047.5) / 4095 + 0.5) = 0.25006 -> inverted 0.74994 * 255 = 191.2
        assert_eq!(display_value(1024.0, &d), 191);
    }

    #[test]
    fn rescale_is_applied_before_the_window() {
        let d = Display {
            rescale_slope: 2.0,
            rescale_intercept: -100.0,
            ..linear(1000.0, 200.0)
        };
        // stored 550 -> 1000 (the centre)
        assert_eq!(display_value(550.0, &d), 128);
    }

    #[test]
    fn full_range_uses_bits_stored_not_the_data() {
        let d = Display::full_range(12, false, 1.0, 0.0, false);
        assert_eq!(display_value(0.0, &d), 0);
        assert_eq!(display_value(4095.0, &d), 255);
        // A dim image stays dim: no stretching.
        assert_eq!(display_value(400.0, &d), 25);
    }

    #[test]
    fn monochrome1_thumbnail_expected_pixels() {
        // 4 x 4 image, 12 bits stored, MONOCHROME1, window c=2048 w=4096, 2x2 boxes.
        let values: [u16; 16] = [
            0, 0, 4095, 4095, //
            0, 0, 4095, 4095, //
            1000, 1048, 2000, 2096, //
            1000, 1048, 2000, 2096,
        ];
        let bytes = u16_pixels(&values);
        let p = Pixels {
            data: &bytes,
            words: None,
            rows: 4,
            columns: 4,
            bits_allocated: 16,
            bits_stored: 12,
            signed: false,
        };
        let d = Display {
            invert: true,
            ..linear(2048.0, 4096.0)
        };
        let img = render(&p, &d, 2).unwrap();
        assert_eq!((img.width, img.height), (2, 2));
        // means: 0, 4095, 1024, 2048 -> inverted 255, 0, 191, 128 (2048: (0.5/4095 + .5) -> 127.47 -> 127)
        assert_eq!(img.data, vec![255, 0, 191, 127]);
    }

    #[test]
    fn sigmoid_thumbnail_expected_pixels() {
        // 14 bits stored with high bits set above Bits Stored (must be masked off).
        let hi = 0xC000u16;
        let values: [u16; 4] = [hi | 8000, 8000, 8500, 7500];
        let bytes = u16_pixels(&values);
        let p = Pixels {
            data: &bytes,
            words: None,
            rows: 2,
            columns: 2,
            bits_allocated: 16,
            bits_stored: 14,
            signed: false,
        };
        let d = Display {
            function: VoiFunction::Sigmoid,
            ..linear(8000.0, 2000.0)
        };
        let img = render(&p, &d, 2).unwrap();
        assert_eq!((img.width, img.height), (2, 2));
        // 8000 -> 128; 8500 = c + w/4 -> 186; 7500 = c - w/4 -> 69
        assert_eq!(img.data, vec![128, 128, 186, 69]);
    }

    #[test]
    fn signed_pixels_are_sign_extended() {
        let values: [u16; 1] = [0x0FFF]; // 12 bits, -1 when signed
        let bytes = u16_pixels(&values);
        let p = Pixels {
            data: &bytes,
            words: None,
            rows: 1,
            columns: 1,
            bits_allocated: 16,
            bits_stored: 12,
            signed: true,
        };
        // -1 sits in the middle of the signed 12-bit range; unextended (4095) it would be white.
        let d = Display::full_range(12, true, 1.0, 0.0, false);
        assert_eq!(render(&p, &d, 1).unwrap().data, vec![127]);
    }

    #[test]
    fn scales_the_long_side_to_the_limit() {
        assert_eq!(factor_for(4096, 3328, 512), 8);
        assert_eq!(factor_for(100, 50, 512), 1);
        let bytes = vec![0u8; 1000 * 600 * 2];
        let p = Pixels {
            data: &bytes,
            words: None,
            rows: 1000,
            columns: 600,
            bits_allocated: 16,
            bits_stored: 12,
            signed: false,
        };
        let img = render(&p, &linear(2048.0, 4096.0), 512).unwrap();
        assert_eq!((img.width, img.height), (300, 500));
        let png = encode_png(&img).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn short_or_empty_pixel_data_is_an_error() {
        let p = Pixels {
            data: &[0u8; 10],
            words: None,
            rows: 4,
            columns: 4,
            bits_allocated: 16,
            bits_stored: 12,
            signed: false,
        };
        assert!(matches!(
            render(&p, &linear(1.0, 1.0), 512),
            Err(ThumbnailError::Short { .. })
        ));
        let p = Pixels { rows: 0, ..p };
        assert!(matches!(
            render(&p, &linear(1.0, 1.0), 512),
            Err(ThumbnailError::Empty { .. })
        ));
    }
}
