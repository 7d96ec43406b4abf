// SPDX-License-Identifier: GPL-3.0-or-later
//! The demo headend: live test channels inside this process, as an operator would deliver them.
//!
//! ```text
//!  cached loops (assets) --> TsLoop (playout) --+--> Sender: UDP multicast 239.255.0.1..6   (channels 1-6)
//!                                               +--> Sender: RTP multicast 239.255.0.7       (channel 7)
//!                                               +--> HlsChannel --> HttpServer /hls/...    (channel 8)
//!  channel 8's loop --> mp4mux (fragmented) --> Fmp4Channel --> /dash/live.mpd ...       (channel 9, DASH)
//!                                                          +--> /fmp4/master.m3u8 ...   (channel 10, HLS fMP4)
//!  HttpServer: /lineup.m3u (the playlist), /guide.xml (XMLTV), /hls/live.m3u8 + segments,
//!              /hls/subtitled.m3u8 (channel 11: a master playlist of the same segments, as
//!              /hls/video.m3u8, with English WebVTT subtitles /hls/subs-en.m3u8 + .vtt),
//!              /archive/1/<utc>-<duration>.ts (channel 1's catch-up archive, see `archive`)
//!              /vod/2/ep-<start>.ts (channel 2's `vod` archive: a guide programme by its catchup-id)
//!              /dash/live.mpd, /fmp4/master.m3u8 + their init and media segments (see `fmp4`);
//!              channel 9's MPD has English TTML subtitles (stpp: /dash/t/init.mp4 and
//!              /dash/t/n/<k>.m4s; /dash/ttml.mpd offers them as whole documents, <k>.ttml)
//!              and English captions for the hard of hearing (the same under /dash/c/);
//!              /dash/offset/live.mpd is the channel with a video presentationTimeOffset
//!  channel 6 carries English DVB subtitles, German teletext subtitles and CC1 captions (see `subtitled`)
//! ```
//! Multicast must stay on this machine: callers enter a private network namespace first
//! ([`crate::system::netns`]); senders also use TTL 0.

mod archive;
mod assets;
pub mod captioned;
mod fmp4;
mod guide;
mod hls;
mod http;
mod playout;
mod sender;
pub mod showcase;
pub mod subtitled;

pub use archive::Served;
pub use assets::{FPS, LOOKS, LOOP_SECONDS};
pub use fmp4::{caption_cue as dash_caption_cue, subtitle_cue as dash_subtitle_cue};
pub use hls::{HlsFault, SEGMENT_SECONDS, subtitle_cue as hls_subtitle_cue};

use anyhow::{Context, Result};
use http::{Body, HttpServer};
pub use playout::TsLoop;
pub use sender::Sender;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

/// Demo channels sent as plain UDP multicast; then one RTP and one HLS channel.
const UDP_CHANNELS: usize = 6;
const PORT: u16 = 5000;
/// The channel with DVB and teletext subtitles (see `subtitled`).
pub const SUBTITLED_CHANNEL: u32 = 6;
/// The channel whose past the headend's archive serves.
const ARCHIVE_CHANNEL: u32 = 1;
/// The channel whose past programmes the headend serves by their guide `catchup-id` (`vod`).
pub const VOD_CHANNEL: u32 = 2;
/// The DASH channel (fragmented MP4, `SegmentTimeline`).
pub const DASH_CHANNEL: u32 = 9;
/// The HLS channel with fragmented-MP4 segments (`EXT-X-MAP`, an audio rendition).
pub const FMP4_HLS_CHANNEL: u32 = 10;
/// The HLS channel whose master playlist has a WebVTT subtitle rendition (channel 8's
/// segments; channel 8 itself keeps its media playlist, which the timeshift tests play).
pub const SUBTITLED_HLS_CHANNEL: u32 = 11;
/// Names of the fMP4 channels (after the looks' channels).
const FMP4_NAMES: [&str; 2] = ["Colors DASH", "Colors fMP4"];

/// How the headend is built.
#[derive(Debug, Clone)]
pub struct HeadendOptions {
    /// Where encoded loops are cached.
    pub cache_dir: PathBuf,
    pub width: u32,
    pub height: u32,
}

/// One demo channel as listed in the lineup.
#[derive(Debug, Clone)]
pub struct DemoChannel {
    pub number: u32,
    pub name: String,
    pub tvg_id: String,
    pub url: String,
}

/// The running headend; everything stops when it is dropped.
pub struct Headend {
    senders: Vec<Sender>,
    hls: Arc<hls::HlsChannel>,
    /// The DASH and fMP4 HLS channels' origin (off when the fragmenting failed).
    fmp4: Option<Arc<fmp4::Fmp4Channel>>,
    http: HttpServer,
    archive: Option<Arc<archive::Archive>>,
    vod: Option<Arc<archive::Archive>>,
    pub channels: Vec<DemoChannel>,
}

impl Headend {
    /// Encodes missing loops, starts the senders and the HTTP server (on any free port).
    pub fn start(options: &HeadendOptions) -> Result<Self> {
        Self::start_on_port(options, 0)
    }

    /// As [`Headend::start`], with the HTTP server on 127.0.0.1:`port`, so another process (the TV app
    /// of a box image) can be configured with `http://127.0.0.1:PORT/lineup.m3u`.
    pub fn start_on_port(options: &HeadendOptions, port: u16) -> Result<Self> {
        gstreamer::init().context("initialising GStreamer")?;
        let loops: Vec<Arc<TsLoop>> = LOOKS
            .iter()
            .enumerate()
            .map(|(i, look)| {
                let path = assets::loop_file(&options.cache_dir, look, options.width, options.height)?;
                let mut bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                if i + 1 == SUBTITLED_CHANNEL as usize {
                    bytes = subtitled::add_subtitles(&bytes).context("adding the demo subtitles")?;
                }
                Ok(Arc::new(TsLoop::new(
                    &bytes,
                    playout::ticks(u64::from(LOOP_SECONDS)),
                )?))
            })
            .collect::<Result<_>>()?;
        let mut senders = Vec::new();
        for (i, ts) in loops.iter().enumerate().take(UDP_CHANNELS + 1) {
            let rtp = i == UDP_CHANNELS;
            // Spread the channels' GOP phases so a zap lands at a different point each time.
            let phase = playout::ticks(u64::from(LOOP_SECONDS)) * i as u64 / 7;
            senders.push(
                Sender::start(ts.clone(), group_addr(i), rtp, phase).context("starting a demo sender")?,
            );
        }
        let hls = Arc::new(hls::HlsChannel::new(loops[UDP_CHANNELS + 1].clone()));
        // The HLS channel's loop again, in fragmented MP4 for the DASH and fMP4 HLS channels.
        let fmp4 = assets::loop_file(
            &options.cache_dir,
            &LOOKS[UDP_CHANNELS + 1],
            options.width,
            options.height,
        )
        .and_then(|path| fmp4::Fmp4Channel::new(&path, u64::from(LOOP_SECONDS)))
        .map(Arc::new)
        .map_err(|e| log::warn!("the demo's DASH and fMP4 HLS channels are off: {e:#}"))
        .ok();
        let names: Vec<(String, String)> = LOOKS
            .iter()
            .map(|l| l.name)
            .chain(FMP4_NAMES.iter().copied().filter(|_| fmp4.is_some()))
            .map(|name| (tvg_id(name), name.to_string()))
            .collect();
        let guide = Arc::new(guide_text(&names));
        let archive = archive::Archive::new(loops[0].clone(), loops[0].tables()).map(Arc::new);
        let vod_loop = &loops[VOD_CHANNEL as usize - 1];
        let vod = archive::Archive::new(vod_loop.clone(), vod_loop.tables()).map(Arc::new);
        // The playlist names the server's own address, known once it listens.
        let lineup = Arc::new(std::sync::OnceLock::<String>::new());
        let served = lineup.clone();
        let origin = hls.clone();
        let logged = archive.clone();
        let vod_logged = vod.clone();
        let fmp4_origin = fmp4.clone(); // the router keeps the origin
        let router: http::Router = Arc::new(move |path: &str| {
            if let Some(body) = fmp4_origin.as_deref().and_then(|o| route_fmp4(path, o)) {
                return Some(body);
            }
            route(
                path,
                &origin,
                &guide,
                [archive.as_deref(), vod.as_deref()],
                served.get().map(String::as_str),
            )
        });
        let http = HttpServer::start(router, port).context("starting the demo HTTP server")?;
        let mut channels: Vec<DemoChannel> = LOOKS
            .iter()
            .enumerate()
            .map(|(i, look)| DemoChannel {
                number: i as u32 + 1,
                name: look.name.to_string(),
                tvg_id: tvg_id(look.name),
                url: match i {
                    i if i < UDP_CHANNELS => format!("udp://@{}", group_addr(i)),
                    i if i == UDP_CHANNELS => format!("rtp://@{}", group_addr(i)),
                    _ => format!("{}/hls/live.m3u8", http.base_url()),
                },
            })
            .collect();
        if fmp4.is_some() {
            for (number, name, path) in [
                (DASH_CHANNEL, FMP4_NAMES[0], "dash/live.mpd"),
                (FMP4_HLS_CHANNEL, FMP4_NAMES[1], "fmp4/master.m3u8"),
            ] {
                channels.push(DemoChannel {
                    number,
                    name: name.to_string(),
                    tvg_id: tvg_id(name),
                    url: format!("{}/{path}", http.base_url()),
                });
            }
        }
        channels.push(DemoChannel {
            number: SUBTITLED_HLS_CHANNEL,
            name: "Colors HLS subtitles".to_string(),
            tvg_id: tvg_id("Colors HLS subtitles"),
            url: format!("{}/hls/subtitled.m3u8", http.base_url()),
        });
        let headend = Self {
            senders,
            hls,
            fmp4,
            http,
            archive: logged,
            vod: vod_logged,
            channels,
        };
        let _ = lineup.set(headend.playlist());
        Ok(headend)
    }

    /// The archive requests served lately (channel 1's catch-up), oldest first.
    pub fn archive_served(&self) -> Vec<archive::Served> {
        self.archive.as_ref().map(|a| a.served()).unwrap_or_default()
    }

    /// The `vod` requests served lately (channel 2's programmes by catchup-id), oldest first.
    pub fn vod_served(&self) -> Vec<archive::Served> {
        self.vod.as_ref().map(|a| a.served()).unwrap_or_default()
    }

    /// The lineup as an extended M3U playlist. Channel 1 has a catch-up archive
    /// (`catchup="default"`, one day, `/archive/1/{utc}-{duration}.ts` on the HTTP server);
    /// channel 2 a `vod` one (`/vod/2/{catchup-id}.ts`, the guide giving each programme its id).
    pub fn playlist(&self) -> String {
        let base = self.http.base_url();
        let mut m3u = format!("#EXTM3U url-tvg=\"{base}/guide.xml\"\n");
        for c in &self.channels {
            let catchup = if c.number == ARCHIVE_CHANNEL {
                format!(
                    " catchup=\"default\" catchup-days=\"1\" catchup-source=\"{base}/archive/{}/{{utc}}-{{duration}}.ts\"",
                    c.number
                )
            } else if c.number == VOD_CHANNEL {
                format!(
                    " catchup=\"vod\" catchup-days=\"1\" catchup-source=\"{base}/vod/{}/{{catchup-id}}.ts\"",
                    c.number
                )
            } else {
                String::new()
            };
            m3u.push_str(&format!(
                "#EXTINF:-1 tvg-id=\"{}\" tvg-chno=\"{}\" group-title=\"Demo\"{catchup},{}\n{}\n",
                c.tvg_id, c.number, c.name, c.url
            ));
        }
        m3u
    }

    /// Base URL of the HTTP server (`/guide.xml`, `/hls/live.m3u8`).
    pub fn base_url(&self) -> String {
        self.http.base_url()
    }

    /// Switches a fault of the HLS origin (channel 8) on, or off with [`HlsFault::None`].
    pub fn set_hls_fault(&self, fault: HlsFault) {
        self.hls.set_fault(fault);
    }

    /// Restarts the HLS origin: its media sequence begins again at 0, its timestamps jump back.
    pub fn restart_hls(&self) {
        self.hls.restart();
    }

    /// Requests for the DASH channel's subtitle init and segments so far (either form).
    pub fn dash_subtitle_requests(&self) -> u64 {
        self.fmp4.as_ref().map_or(0, |o| o.text_requests())
    }

    /// Requests for the HLS channel's subtitle playlist and `.vtt` segments so far.
    pub fn hls_subtitle_requests(&self) -> u64 {
        self.hls.subtitle_requests()
    }

    /// How often each HLS segment (media sequence) was asked for since the last call.
    pub fn hls_segment_requests(&self) -> Vec<(u64, u32)> {
        self.hls.take_requests()
    }

    /// The HLS channel's average bitrate in bytes per second.
    pub fn hls_bytes_per_second(&self) -> u64 {
        self.hls.bytes_per_second()
    }

    /// Takes multicast channel `index` (0-based) off air or back on.
    pub fn set_on_air(&self, index: usize, on: bool) {
        if let Some(s) = self.senders.get(index) {
            s.set_on_air(on);
        }
    }
}

/// 239.255.0.(i+1):5000 — administratively scoped, and only ever sent inside a private namespace.
fn group_addr(i: usize) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(239, 255, 0, i as u8 + 1)), PORT)
}

fn tvg_id(name: &str) -> String {
    format!("{}.demo", name.to_lowercase().replace(' ', ""))
}

fn guide_text(channels: &[(String, String)]) -> String {
    guide::xmltv(channels, unix_now() as i64, VOD_CHANNEL as usize - 1)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

use crate::manifest::dash::TextForm;

/// The DASH and fMP4 HLS channels' manifests and segments.
fn route_fmp4(path: &str, origin: &fmp4::Fmp4Channel) -> Option<Body> {
    const MPD: &str = "application/dash+xml";
    const M3U8: &str = "application/vnd.apple.mpegurl";
    const MP4: &str = "video/mp4";
    // /dash/offset/: the same channel, its picture's and sound's media timelines later than the
    // presentation's by a presentationTimeOffset (the text tracks as under /dash/).
    if let Some(rest) = path.strip_prefix("/dash/offset/") {
        if rest == "live.mpd" {
            return Some(Body::new(
                MPD,
                origin.offset_mpd(Some(TextForm::Stpp)).into_bytes(),
            ));
        }
        let (id, name) = rest.split_once('/')?;
        if matches!(id, "v" | "a") {
            if name == "init.mp4" {
                return Some(Body::new(MP4, origin.init(id)?));
            }
            let k = name.strip_prefix("n/")?.strip_suffix(".m4s")?.parse().ok()?;
            return Some(Body::new(MP4, origin.segment_after(id, k, fmp4::MEDIA_OFFSET)?));
        }
        return route_fmp4(&format!("/dash/{rest}"), origin);
    }
    match path {
        "/dash/live.mpd" => {
            return Some(Body::new(
                MPD,
                origin.mpd(true, Some(TextForm::Stpp)).into_bytes(),
            ));
        }
        "/dash/ttml.mpd" => {
            return Some(Body::new(
                MPD,
                origin.mpd(true, Some(TextForm::Ttml)).into_bytes(),
            ));
        }
        "/dash/timeline.mpd" => return Some(Body::new(MPD, origin.mpd(false, None).into_bytes())),
        "/dash/t/init.mp4" | "/dash/c/init.mp4" => return Some(Body::new(MP4, origin.text_init())),
        _ => {}
    }
    let text = [fmp4::TextKind::Subtitles, fmp4::TextKind::Captions]
        .into_iter()
        .find_map(|kind| Some((kind, path.strip_prefix(&format!("/dash/{}/n/", kind.folder()))?)));
    if let Some((kind, name)) = text {
        let (k, form) = match name.split_once('.')? {
            (k, "m4s") => (k, TextForm::Stpp),
            (k, "ttml") => (k, TextForm::Ttml),
            _ => return None,
        };
        let k = k.parse().ok()?;
        let mime = match form {
            TextForm::Stpp => "application/mp4",
            TextForm::Ttml => "application/ttml+xml",
        };
        return Some(Body::new(mime, origin.text_segment(k, form, kind)?));
    }
    if path == "/fmp4/master.m3u8" {
        return Some(Body::new(M3U8, origin.master().into_bytes()));
    }
    if let Some(rest) = path.strip_prefix("/fmp4/") {
        if let Some(id) = rest.strip_suffix(".m3u8") {
            return Some(Body::new(M3U8, origin.media_playlist(id)?.into_bytes()));
        }
        let (id, name) = rest.split_once('/')?;
        if name == "init.mp4" {
            return Some(Body::new(MP4, origin.init(id)?));
        }
        let k = name.strip_suffix(".m4s")?.parse().ok()?;
        return Some(Body::new(MP4, origin.segment_by_index(id, k)?));
    }
    let (id, name) = path.strip_prefix("/dash/")?.split_once('/')?;
    if let Some(number) = name.strip_prefix("n/") {
        let k = number.strip_suffix(".m4s")?.parse().ok()?;
        return Some(Body::new(MP4, origin.segment_by_index(id, k)?));
    }
    if name == "init.mp4" {
        return Some(Body::new(MP4, origin.init(id)?));
    }
    let time = name.strip_suffix(".m4s")?.parse().ok()?;
    Some(Body::new(MP4, origin.segment_by_time(id, time)?))
}

fn route(
    path: &str,
    hls: &hls::HlsChannel,
    guide: &str,
    [archive, vod]: [Option<&archive::Archive>; 2],
    lineup: Option<&str>,
) -> Option<Body> {
    if let Some(name) = path.strip_prefix(&format!("/archive/{ARCHIVE_CHANNEL}/")) {
        return Some(Body::new("video/mp2t", archive?.route(name, unix_now())?));
    }
    if let Some(name) = path.strip_prefix(&format!("/vod/{VOD_CHANNEL}/")) {
        return Some(Body::new("video/mp2t", vod?.route_vod(name, unix_now())?));
    }
    match path {
        "/lineup.m3u" => Some(Body::new("audio/x-mpegurl", lineup?.as_bytes().to_vec())),
        "/guide.xml" => Some(Body::new("application/xml", guide.as_bytes().to_vec())),
        "/hls/live.m3u8" => Some(Body::new(
            "application/vnd.apple.mpegurl",
            hls.playlist()?.into_bytes(),
        )),
        "/hls/subtitled.m3u8" => Some(Body::new(
            "application/vnd.apple.mpegurl",
            hls.master()?.into_bytes(),
        )),
        "/hls/video.m3u8" => Some(Body::new(
            "application/vnd.apple.mpegurl",
            hls.playlist()?.into_bytes(),
        )),
        "/hls/subs-en.m3u8" => Some(Body::new(
            "application/vnd.apple.mpegurl",
            hls.subtitle_playlist()?.into_bytes(),
        )),
        _ if path.starts_with("/hls/sub-") => {
            let k = path
                .strip_prefix("/hls/sub-")?
                .strip_suffix(".vtt")?
                .parse()
                .ok()?;
            Some(Body::new("text/vtt", hls.subtitle_segment(k)?.into_bytes()))
        }
        _ => {
            let k = path
                .strip_prefix("/hls/seg-")?
                .strip_suffix(".ts")?
                .parse()
                .ok()?;
            let segment = hls.segment(k)?;
            Some(Body {
                pace: segment.pace,
                ..Body::new("video/mp2t", segment.bytes)
            })
        }
    }
}
