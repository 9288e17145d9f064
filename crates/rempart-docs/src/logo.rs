//! The company's logo on its documents: a PNG file, read once into the image a PDF embeds
//! (8-bit gray or RGB samples and, when the image has transparency, an 8-bit opacity mask).

use std::io::Cursor;

/// The largest PNG file accepted as a logo.
pub const LOGO_BYTES_MAX: usize = 512 * 1024;
/// The largest side of a logo, in pixels.
pub const LOGO_SIDE_MAX: u32 = 2048;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogoError {
    #[error("the logo is larger than {} KiB", LOGO_BYTES_MAX / 1024)]
    TooLarge,
    #[error("the logo is not a PNG image that can be read ({0})")]
    NotPng(String),
    #[error("the logo is {width} by {height} pixels; at most {LOGO_SIDE_MAX} by {LOGO_SIDE_MAX}")]
    TooManyPixels { width: u32, height: u32 },
}

/// A logo as the PDF embeds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub width: u32,
    pub height: u32,
    /// Colour samples, zlib-compressed: one byte per pixel (gray) or three (RGB).
    pub(crate) samples: Vec<u8>,
    pub(crate) rgb: bool,
    /// Opacity, one byte per pixel, zlib-compressed; none when every pixel is opaque.
    pub(crate) alpha: Option<Vec<u8>>,
}

fn compress(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(bytes, 6)
}

impl Logo {
    /// Reads a PNG file (any colour type and depth, palette and transparency included).
    pub fn from_png(bytes: &[u8]) -> Result<Logo, LogoError> {
        if bytes.len() > LOGO_BYTES_MAX {
            return Err(LogoError::TooLarge);
        }
        let bad = |error: png::DecodingError| LogoError::NotPng(error.to_string());
        let mut decoder = png::Decoder::new(Cursor::new(bytes));
        decoder.set_transformations(png::Transformations::normalize_to_color8());
        let mut reader = decoder.read_info().map_err(bad)?;
        let (width, height) = reader.info().size();
        if width == 0 || height == 0 || width > LOGO_SIDE_MAX || height > LOGO_SIDE_MAX {
            return Err(LogoError::TooManyPixels { width, height });
        }
        let size = reader.output_buffer_size().ok_or(LogoError::TooManyPixels { width, height })?;
        let mut buffer = vec![0; size];
        let frame = reader.next_frame(&mut buffer).map_err(bad)?;
        let (channels, has_alpha) = match frame.color_type {
            png::ColorType::Grayscale => (1, false),
            png::ColorType::GrayscaleAlpha => (2, true),
            png::ColorType::Rgb => (3, false),
            png::ColorType::Rgba => (4, true),
            png::ColorType::Indexed => return Err(LogoError::NotPng("a palette left unexpanded".to_owned())),
        };
        let colours = if has_alpha { channels - 1 } else { channels };
        let pixels = width as usize * height as usize;
        let mut samples = Vec::with_capacity(pixels * colours);
        let mut alpha = Vec::with_capacity(if has_alpha { pixels } else { 0 });
        for row in buffer[..frame.buffer_size()].chunks_exact(frame.line_size) {
            for pixel in row[..width as usize * channels].chunks_exact(channels) {
                samples.extend_from_slice(&pixel[..colours]);
                if has_alpha {
                    alpha.push(pixel[colours]);
                }
            }
        }
        let alpha = alpha.iter().any(|opacity| *opacity != u8::MAX).then(|| compress(&alpha));
        Ok(Logo { width, height, samples: compress(&samples), rgb: colours == 3, alpha })
    }

    /// The logo's size in millimetres, as large as fits in `max_width` by `max_height`.
    pub(crate) fn fit(&self, max_width: f32, max_height: f32) -> (f32, f32) {
        let aspect = self.width as f32 / self.height as f32;
        if max_height * aspect <= max_width {
            (max_height * aspect, max_height)
        } else {
            (max_width, max_width / aspect)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG written by the `png` crate: `width` by 2 pixels of `colour`, with `channels` samples.
    fn png_file(colour: png::ColorType, pixels: &[u8], width: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let channels = match colour {
            png::ColorType::Grayscale | png::ColorType::Indexed => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
        };
        let height = (pixels.len() / channels / width as usize) as u32;
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(colour);
        encoder.set_depth(png::BitDepth::Eight);
        if colour == png::ColorType::Indexed {
            encoder.set_palette(vec![255, 0, 0, 0, 0, 255]);
            encoder.set_trns(vec![255, 0]);
        }
        encoder.write_header().and_then(|mut writer| writer.write_image_data(pixels)).expect("png written");
        out
    }

    fn inflate(bytes: &[u8]) -> Vec<u8> {
        miniz_oxide::inflate::decompress_to_vec_zlib(bytes).expect("zlib data")
    }

    #[test]
    fn colour_types_become_samples_and_an_opacity_mask() {
        let rgba = Logo::from_png(&png_file(png::ColorType::Rgba, &[10, 20, 30, 255, 40, 50, 60, 0], 2)).expect("rgba");
        assert_eq!((rgba.width, rgba.height, rgba.rgb), (2, 1, true));
        assert_eq!(inflate(&rgba.samples), [10, 20, 30, 40, 50, 60]);
        assert_eq!(rgba.alpha.as_deref().map(inflate), Some(vec![255, 0]));

        let opaque = Logo::from_png(&png_file(png::ColorType::Rgba, &[1, 2, 3, 255], 1)).expect("opaque");
        assert_eq!(opaque.alpha, None, "no mask when every pixel is opaque");

        let gray = Logo::from_png(&png_file(png::ColorType::Grayscale, &[0, 128, 255, 7], 2)).expect("gray");
        assert_eq!((gray.width, gray.height, gray.rgb), (2, 2, false));
        assert_eq!(inflate(&gray.samples), [0, 128, 255, 7]);

        let indexed = Logo::from_png(&png_file(png::ColorType::Indexed, &[0, 1], 2)).expect("palette");
        assert_eq!(inflate(&indexed.samples), [255, 0, 0, 0, 0, 255]);
        assert_eq!(indexed.alpha.as_deref().map(inflate), Some(vec![255, 0]));
    }

    #[test]
    fn refusals() {
        assert!(matches!(Logo::from_png(b"GIF89a not a png"), Err(LogoError::NotPng(_))));
        assert_eq!(Logo::from_png(&vec![0; LOGO_BYTES_MAX + 1]), Err(LogoError::TooLarge));
        let wide = png_file(png::ColorType::Grayscale, &vec![0; 2049], 2049);
        assert_eq!(Logo::from_png(&wide), Err(LogoError::TooManyPixels { width: 2049, height: 1 }));
        let mut cut = png_file(png::ColorType::Rgb, &[1; 300], 10);
        cut.truncate(cut.len() - 20);
        assert!(matches!(Logo::from_png(&cut), Err(LogoError::NotPng(_))));
    }

    #[test]
    fn fits_its_box() {
        let logo = |width, height| Logo { width, height, samples: Vec::new(), rgb: false, alpha: None };
        assert_eq!(logo(400, 100).fit(60.0, 14.0), (56.0, 14.0));
        assert_eq!(logo(1000, 100).fit(60.0, 14.0), (60.0, 6.0));
    }
}
