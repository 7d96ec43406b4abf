// SPDX-License-Identifier: GPL-3.0-or-later
//! The channel lineup as data: what the parser produces, the core zaps through and the CLI prints.
//!
//! Pure types only (no I/O). A `Lineup` is the merge of one or more playlists; every channel has a
//! unique number and a stable [`ChannelKey`] that survives reloads, so favourites and the last
//! channel saved in the state file still point at the right channel after the playlist changes.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// Stable identity of a channel across playlist reloads: the `tvg-id` when there is one,
/// otherwise the normalised name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChannelKey(pub String);

impl fmt::Display for ChannelKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The merged channel list, ordered by channel number.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Lineup {
    /// Channels sorted by ascending, unique `number`.
    pub channels: Vec<Channel>,
    /// Guide (XMLTV) URLs announced by the playlists' `#EXTM3U url-tvg`/`x-tvg-url`, in order, deduplicated.
    pub guide_urls: Vec<String>,
}

/// One channel as the viewer sees it: a number, a name and one or more ways to receive it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Channel {
    pub number: u32,
    pub key: ChannelKey,
    pub name: String,
    pub tvg_id: Option<String>,
    pub tvg_name: Option<String>,
    pub logo: Option<String>,
    /// Groups the channel belongs to (`group-title` may list several, `;`-separated); the first is the main one.
    pub groups: Vec<String>,
    pub radio: bool,
    /// Guide time correction for this channel in minutes (`tvg-shift` is in hours, may be fractional).
    pub guide_shift_minutes: i32,
    pub catchup: Option<Catchup>,
    /// Alternative sources in order of preference; never empty in a parsed lineup.
    pub sources: Vec<Source>,
}

/// One stream URL with what is needed to open it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub url: String,
    pub kind: SourceKind,
    /// For `Multicast`/`Rtp`: the parsed group, port and optional SSM source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multicast: Option<MulticastGroup>,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
    /// Extra HTTP headers from the `URL|Header=value&...` suffix (besides user agent and referrer).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// MPEG-TS program number to pick in a multi-program stream (`#EXTVLCOPT:program=`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<u16>,
    /// `#KODIPROP` key/value pairs, kept for players that understand them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<(String, String)>,
    /// Where this source was declared, for messages.
    pub origin: Origin,
}

/// How a source is received; decides the player pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// MPEG-TS in UDP datagrams to a multicast group (`udp://`).
    Multicast,
    /// MPEG-TS in RTP to a multicast group (`rtp://`).
    Rtp,
    /// HTTP(S) HLS playlist (`.m3u8`).
    Hls,
    /// HTTP(S) DASH manifest (`.mpd`).
    Dash,
    /// Progressive HTTP(S), usually MPEG-TS.
    Http,
    /// RTSP(S) unicast (operators' unicast IPTV and catch-up, cameras): `rtspsrc`.
    Rtsp,
    /// RTMP(S) (`rtmp2src`).
    Rtmp,
}

/// A multicast group to join: any-source (`udp://@group:port`) or source-specific (`udp://src@group:port`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct MulticastGroup {
    pub group: IpAddr,
    pub port: u16,
    /// The sender for IGMPv3/MLDv2 source-specific multicast.
    pub source: Option<IpAddr>,
}

/// Catch-up (provider archive) of a channel, resolved when the playlist is read: the mode, the
/// window and the archive URL template built from the mode, `catchup-source` and the live URL
/// (see [`crate::lineup::catchup`] for how a URL is made from it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Catchup {
    pub mode: CatchupMode,
    /// `catchup-source` as written (the channel's, else the `#EXTM3U` header's).
    pub source: Option<String>,
    /// How far back the archive reaches (`catchup-days`, legacy `timeshift`/`tvg-rec`, header, 5).
    pub days: CatchupDays,
    /// `catchup-correction` (hours in the playlist) in seconds: subtracted from every archive time.
    #[serde(skip_serializing_if = "is_zero")]
    pub correction_s: i32,
    /// The archive URL with its specifiers (`{utc}`, `{Y}`, …) not yet replaced.
    pub template: String,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// The `catchup=` (or `catchup-type=`) modes of Kodi's IPTV Simple; the legacy SIPTV
/// `timeshift="N"`/`tvg-rec="N"` attributes mean [`CatchupMode::Shift`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CatchupMode {
    /// `catchup-source` is the whole archive URL; without one, like `append`.
    #[serde(rename = "default")]
    Default,
    /// The live URL followed by `catchup-source`.
    #[serde(rename = "append")]
    Append,
    /// The live URL followed by `?utc={utc}&lutc={lutc}` (SIPTV).
    #[serde(rename = "shift")]
    Shift,
    /// Flussonic, archive form chosen from the live URL (HLS unless it ends in `mpegts`).
    #[serde(rename = "flussonic")]
    Flussonic,
    /// Same as `flussonic`.
    #[serde(rename = "flussonic-hls")]
    FlussonicHls,
    /// Flussonic, MPEG-TS archive (`timeshift_abs-${start}.ts`) unless the live URL is HLS.
    #[serde(rename = "flussonic-ts")]
    FlussonicTs,
    /// Same as `flussonic-ts`.
    #[serde(rename = "fs")]
    Fs,
    /// Xtream Codes: `/timeshift/USER/PASS/{duration:60}/{Y}-{m}-{d}:{H}-{M}/ID.ts`.
    #[serde(rename = "xc")]
    Xc,
    /// A programme-specific URL (`catchup-source`, or the guide's `{catchup-id}`).
    #[serde(rename = "vod")]
    Vod,
}

impl CatchupMode {
    /// Every mode with its playlist spelling.
    pub const ALL: [(&'static str, CatchupMode); 9] = [
        ("default", CatchupMode::Default),
        ("append", CatchupMode::Append),
        ("shift", CatchupMode::Shift),
        ("flussonic", CatchupMode::Flussonic),
        ("flussonic-hls", CatchupMode::FlussonicHls),
        ("flussonic-ts", CatchupMode::FlussonicTs),
        ("fs", CatchupMode::Fs),
        ("xc", CatchupMode::Xc),
        ("vod", CatchupMode::Vod),
    ];

    /// The mode for a playlist spelling (ASCII case-insensitive).
    pub fn parse(name: &str) -> Option<CatchupMode> {
        Self::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map(|&(_, m)| m)
    }

    /// The playlist spelling.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("default", |(n, _)| n)
    }
}

impl fmt::Display for CatchupMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How far back a channel's archive reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CatchupDays {
    /// This many days before now.
    Days(u32),
    /// No limit (`catchup-days="-1"`, or `vod` without days): the provider decides.
    Unlimited,
}

/// Archive depth when a playlist says nothing (Kodi's default).
pub const DEFAULT_CATCHUP_DAYS: u32 = 5;

impl Serialize for CatchupDays {
    /// A number of days, or `"unlimited"`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CatchupDays::Days(d) => s.serialize_u32(*d),
            CatchupDays::Unlimited => s.serialize_str("unlimited"),
        }
    }
}

/// A place in an input file: used by every warning and error.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

impl Lineup {
    /// The channel with this number, if any.
    pub fn by_number(&self, number: u32) -> Option<&Channel> {
        self.channels
            .binary_search_by_key(&number, |c| c.number)
            .ok()
            .map(|i| &self.channels[i])
    }

    /// At least one channel to play (every channel has at least one source).
    pub fn is_usable(&self) -> bool {
        !self.channels.is_empty()
    }

    /// The channel with this key, if any.
    pub fn by_key(&self, key: &ChannelKey) -> Option<&Channel> {
        self.channels.iter().find(|c| &c.key == key)
    }
}
