// SPDX-License-Identifier: GPL-3.0-or-later
//! OTT manifests: HLS playlists (`hls`: master and media playlists, the app's one reader of
//! them) and DASH MPDs (`dash`: `SegmentTemplate` with `$Number$` or a `SegmentTimeline`, the
//! common live profiles). The recorder (`player::record_ott`) fetches what these name and has
//! GStreamer remux it into the recording's MPEG-TS; the subtitle fetchers
//! (`player::hls_subtitles`, `player::dash_subtitles`) take their text renditions. Here only
//! text becomes data, and every address goes through one resolver ([`Base`]).
//!
//! Manifests come from strangers, so everything is bounded: the fetcher caps a manifest at
//! [`MAX_MANIFEST_BYTES`], a parse refuses more than [`MAX_SEGMENTS`] segments (a timeline's
//! `r` repeats are counted before anything is expanded, so `r="4000000000"` costs nothing; an
//! HLS playlist has caps of its own, stricter: see `hls`), at most [`MAX_TRACKS`] tracks are
//! taken, XML nesting deeper than [`MAX_DEPTH`] is refused, and every address a manifest names,
//! once resolved against where it came from, must be `http://` or `https://` (never a local
//! path, never another scheme). Pure: bytes and the time in, data out; the clock and the
//! network belong to the caller.

pub mod dash;
pub mod hls;

/// Largest manifest accepted (after decompression): real live MPDs and playlists are tens of KiB.
pub const MAX_MANIFEST_BYTES: u64 = 2 << 20;
/// Segments one manifest may list for one track (expanded timelines included).
pub const MAX_SEGMENTS: usize = 10_000;
/// Tracks recorded from one manifest (one video, audio languages).
pub const MAX_TRACKS: usize = 4;
/// XML nesting accepted in an MPD (real ones nest six deep).
pub const MAX_DEPTH: usize = 32;
/// XML elements accepted in an MPD.
pub const MAX_ELEMENTS: usize = 50_000;
/// Longest address accepted, as written and once resolved (CDN addresses with tokens are a few
/// hundred bytes; 4 KiB is what HTTP servers commonly accept).
pub const MAX_ADDRESS_BYTES: usize = 4096;
/// Bytes of all the addresses one parse (or one expansion of a `$Number$` template) yields:
/// without it a short manifest whose addresses are long (or resolve against a long base) and
/// repeated up to [`MAX_SEGMENTS`] times per track would cost hundreds of MiB. A real live
/// window of 10,000 segments with 200-byte addresses on four tracks is 8 MB.
pub const MAX_ADDRESSES_BYTES: usize = 8 << 20;

/// What a track carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    Video,
    Audio,
    /// Subtitles (TTML), read by the player while shown, never recorded.
    Text,
}

/// Why a manifest cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest is not well formed: {0}")]
    Malformed(String),
    #[error("the manifest names '{0}', which is not an http(s) address")]
    NotHttp(String),
    #[error("the manifest lists more than {MAX_SEGMENTS} segments for one track")]
    TooManySegments,
    #[error("the manifest is too large: nested too deeply, too many elements or too many address bytes")]
    TooLarge,
    #[error("not supported for recording: {0}")]
    Unsupported(String),
    #[error("the manifest has no video or audio track")]
    NoTracks,
}

/// `reference` resolved against `base` (RFC 3986), refused unless it is http(s).
pub fn resolve(base: &str, reference: &str) -> Result<String, ManifestError> {
    Base::new(base)?.join(reference)
}

/// The address a manifest was fetched from, parsed once: every reference the manifest names is
/// resolved against it (an HLS playlist may name thousands, each line would otherwise parse the
/// base again).
#[derive(Debug, Clone)]
pub struct Base(url::Url);

impl Base {
    /// Only an http(s) base: a manifest is never read from elsewhere, and joining onto a `file:`
    /// base whose path looks like drive letters trips an assertion in `url` (found by the `hls`
    /// fuzz target; a wrong path without debug assertions).
    pub fn new(base: &str) -> Result<Self, ManifestError> {
        url::Url::parse(base)
            .ok()
            .filter(|b| matches!(b.scheme(), "http" | "https"))
            .map(Self)
            .ok_or_else(|| ManifestError::NotHttp(base.to_string()))
    }

    /// Bytes of the base: what resolving a relative reference against it costs.
    pub fn bytes(&self) -> usize {
        self.0.as_str().len()
    }

    /// `reference` resolved against this base, refused unless the result is an http(s) address
    /// of at most [`MAX_ADDRESS_BYTES`]. An empty reference (it would name the manifest itself)
    /// and one with control characters (`url` would percent-encode them into an address the
    /// manifest's author never wrote) are refused too.
    pub fn join(&self, reference: &str) -> Result<String, ManifestError> {
        let reference = reference.trim();
        if reference.len() > MAX_ADDRESS_BYTES {
            return Err(ManifestError::TooLarge);
        }
        if reference.is_empty() || reference.chars().any(char::is_control) {
            return Err(ManifestError::NotHttp(reference.escape_debug().to_string()));
        }
        let relative = matches!(
            url::Url::parse(reference),
            Err(url::ParseError::RelativeUrlWithoutBase)
        );
        if relative && self.bytes() > MAX_ADDRESS_BYTES {
            // The result could not be kept anyway, and no line should cost a base of any length.
            return Err(ManifestError::TooLarge);
        }
        let joined = self
            .0
            .join(reference)
            .map_err(|_| ManifestError::NotHttp(reference.to_string()))?;
        if !matches!(joined.scheme(), "http" | "https") {
            return Err(ManifestError::NotHttp(reference.to_string()));
        }
        if joined.as_str().len() > MAX_ADDRESS_BYTES {
            return Err(ManifestError::TooLarge);
        }
        // The serialisation grows as `url` percent-encodes, so its capacity can be near twice
        // its length; the address budget counts lengths, and thousands of addresses are kept.
        let mut address: String = joined.into();
        address.shrink_to_fit();
        Ok(address)
    }
}

/// Counts `address` against what is left of a parse's [`MAX_ADDRESSES_BYTES`].
pub(crate) fn charge(budget: &mut usize, address: &str) -> Result<(), ManifestError> {
    *budget = budget.checked_sub(address.len()).ok_or(ManifestError::TooLarge)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_keeps_no_spare_capacity() {
        // Percent-encoding grows the serialisation as it goes; thousands of such addresses are
        // kept at once and the budget counts their lengths (a dash fuzzer finding).
        let reference = format!("{}$.m4s", "\u{d3}".repeat(300));
        let address = resolve("http://origin.example/live/manifest.mpd", &reference).unwrap();
        assert!(address.len() > 300 * 6, "{}", address.len());
        assert_eq!(address.capacity(), address.len());
    }

    #[test]
    fn references_resolve_and_only_http_passes() {
        let base = "https://cdn.example/live/ch1/master.m3u8?token=1";
        assert_eq!(
            resolve(base, "v/seg-1.m4s").unwrap(),
            "https://cdn.example/live/ch1/v/seg-1.m4s"
        );
        assert_eq!(
            resolve(base, "../x.mp4").unwrap(),
            "https://cdn.example/live/x.mp4"
        );
        assert_eq!(
            resolve(base, "/root.mp4").unwrap(),
            "https://cdn.example/root.mp4"
        );
        assert_eq!(
            resolve(base, "//other.example/a").unwrap(),
            "https://other.example/a"
        );
        assert_eq!(resolve(base, "http://b.example/a").unwrap(), "http://b.example/a");
        for hostile in [
            "file:///etc/passwd",
            "data:text/plain,x",
            "ftp://x/a",
            "rtsp://x/a",
        ] {
            assert!(
                matches!(resolve(base, hostile), Err(ManifestError::NotHttp(_))),
                "{hostile}"
            );
        }
        assert!(
            resolve("/local/path.mpd", "a.m4s").is_err(),
            "a base that is a path"
        );
        // What the `hls` fuzz target found: a `file:` base with drive-letter-like segments
        // made `url` fail a debug assertion while joining.
        let base = "\x03file:/Xe:/X:#EXT-1u84t\0\0:#EXT-1u84t\0\0\0.s\n#EXz";
        assert!(matches!(resolve(base, "..//:2,"), Err(ManifestError::NotHttp(_))));
    }
}
