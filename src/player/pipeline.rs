// SPDX-License-Identifier: GPL-3.0-or-later
//! GStreamer pipelines for one tune request.
//!
//! ```text
//!  multicast/RTP:  appsrc (TS from our ring, caps fixed: no typefinding) -> decodebin3 -+-> video branch
//!  HLS/DASH/HTTP:  uridecodebin3 (hlsdemux2 / dashdemux2 / souphttpsrc)  -------------+-> audio branch (volume)
//!  RTSP/RTMP:      uridecodebin3 (rtspsrc: UDP, TCP fallback / rtmp2src)  -------------'
//! ```
//! decodebin3 contains parsebin and picks decoders by rank (board profiles adjust ranks). `tsdemux`'s
//! default 700 ms latency is lowered as it is created. The video decoder that wins is reported.

use super::output::{self, Outputs};
use crate::core::{ErrorKind, PlayerError};
use crate::lineup::Source;
use gstreamer as gst;
use gstreamer::glib;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use std::sync::{Arc, Mutex};

/// `tsdemux` latency in milliseconds: enough to order PES packets, far below the 700 ms default.
pub const TSDEMUX_LATENCY_MS: i32 = 0;

/// What a pipeline reads from.
pub enum Input<'a> {
    /// MPEG-TS pushed by the app (multicast and RTP, after RTP stripping).
    Ts,
    /// GOPs pushed backwards by the app, decoded forward and shown reversed at `rate`
    /// (rewind ×2 and ×4, see `reverse`).
    Reverse { rate: u32 },
    /// A URL GStreamer fetches itself (HLS, DASH, progressive HTTP, RTSP, RTMP).
    Uri(&'a Source),
}

/// A built pipeline and the handles the player needs.
pub struct Pipeline {
    pub pipeline: gst::Pipeline,
    /// Where TS goes for `Input::Ts`.
    pub appsrc: Option<gst_app::AppSrc>,
    /// decodebin3 or uridecodebin3: where stream selections are sent.
    pub decodebin: gst::Element,
    /// `Input::Reverse`: where the GOPs fed are noted, and the pictures dropped as late.
    pub reverse: Option<(Arc<super::reverse::GopLog>, Arc<std::sync::atomic::AtomicU64>)>,
}

/// Names of the two output branches in the pipeline.
const VIDEO_BRANCH: &str = "video-branch";
const AUDIO_BRANCH: &str = "audio-branch";

/// The video decoder in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoder {
    pub name: String,
    pub hardware: bool,
}

/// Builds (does not start) a pipeline. `on_frame` is called on the streaming thread for every frame
/// that reaches the video sink; the caller keeps the "first" bookkeeping.
pub fn build(
    input: Input<'_>,
    outputs: &Outputs,
    decoder: Arc<Mutex<Option<Decoder>>>,
    on_frame: output::OnFrame,
) -> Result<Pipeline, PlayerError> {
    build_inner(input, outputs, decoder, on_frame).map_err(|e| PlayerError {
        kind: ErrorKind::Unsupported,
        detail: format!("cannot build the pipeline: {e} (is a GStreamer plugin missing?)"),
    })
}

fn build_inner(
    input: Input<'_>,
    outputs: &Outputs,
    decoder: Arc<Mutex<Option<Decoder>>>,
    on_frame: output::OnFrame,
) -> Result<Pipeline, glib::BoolError> {
    let pipeline = gst::Pipeline::new();
    watch_elements(&pipeline, decoder);
    hold_early_eos(&pipeline);
    let (source, appsrc) = match input {
        Input::Ts | Input::Reverse { .. } => {
            let appsrc = ts_appsrc();
            if matches!(input, Input::Reverse { .. }) {
                // GOPs come as fast as they decode, timed by their PCRs alone.
                appsrc.set_is_live(false);
                appsrc.set_do_timestamp(false);
            }
            let decodebin = output::make("decodebin3")?;
            pipeline.add_many([appsrc.upcast_ref(), &decodebin])?;
            appsrc.link(&decodebin)?;
            (decodebin, Some(appsrc))
        }
        Input::Uri(source) => {
            let bin = gst::ElementFactory::make("uridecodebin3")
                .property("uri", &source.url)
                .build()?;
            configure_http(&bin, source);
            pipeline.add(&bin)?;
            (bin, None)
        }
    };
    let mut reverse = None;
    let video = match input {
        Input::Reverse { rate } => {
            // A GOP's pictures must come out as it is fed, not a few pictures later: frame
            // threads would hold the last ones until the next (older) GOP arrives.
            pipeline.connect_deep_element_added(|_, _, element| {
                if element.find_property("thread-type").is_some() {
                    element.set_property_from_str("thread-type", "slice");
                }
            });
            let shown = output::video_branch(&outputs.video, on_frame)?;
            shown.set_property("name", "present-branch");
            let (decoded, log, dropped) = super::reverse::build(&pipeline, &shown, rate)?;
            reverse = Some((log, dropped));
            decoded
        }
        _ => output::video_branch(&outputs.video, on_frame)?,
    };
    video.set_property("name", VIDEO_BRANCH);
    let audio = output::audio_branch(&outputs.audio_sink, outputs.audio_tap.as_ref())?;
    audio.set_property("name", AUDIO_BRANCH);
    pipeline.add_many([video.upcast_ref::<gst::Element>(), audio.upcast_ref()])?;
    watch_preroll(&pipeline, &[&video, &audio]);
    link_streams(&source, &pipeline, video, audio);
    Ok(Pipeline {
        pipeline,
        appsrc,
        decodebin: source,
        reverse,
    })
}

/// Where a live picture's downloaded segments go (see [`share_segments`]); emptied when the
/// picture ends.
pub type SegmentSlot = Arc<Mutex<Option<super::hls_input::FeedSender>>>;

/// Hands the MPEG-TS segments the pipeline's adaptive demuxer downloads to `slot`'s sender, so
/// the channel's timeshift window need not download them again (`hls_input`). `hlsdemux2` feeds
/// each segment's bytes into a `parsebin` of its own; the first `parsebin` whose input is MPEG-TS
/// is probed (decodebin3's own take elementary streams, which are not). A full queue drops the
/// buffer (the window's pacer resynchronises on the next PCR); a sender gone removes the probe.
pub fn share_segments(pipeline: &gst::Pipeline, slot: SegmentSlot) {
    let claimed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    pipeline.connect_deep_element_added(move |_, _, element| {
        if element.factory().is_none_or(|f| f.name() != "parsebin") {
            return;
        }
        let Some(pad) = element.static_pad("sink") else {
            return;
        };
        let (slot, claimed) = (slot.clone(), claimed.clone());
        let mine = std::sync::atomic::AtomicBool::new(false);
        pad.add_probe(gst::PadProbeType::BUFFER, move |pad, info| {
            let Some(buffer) = info.buffer() else {
                return gst::PadProbeReturn::Ok;
            };
            let Ok(map) = buffer.map_readable() else {
                return gst::PadProbeReturn::Ok;
            };
            if !mine.load(std::sync::atomic::Ordering::Relaxed) {
                let caps = pad.current_caps();
                let name = caps
                    .as_ref()
                    .and_then(|c| c.structure(0))
                    .map(|s| s.name().to_string());
                let looks_ts = map.first() == Some(&0x47) && map.get(188).is_none_or(|&b| b == 0x47);
                let ts = match name.as_deref() {
                    Some("video/mpegts") => true,
                    None => looks_ts,
                    Some(_) => false,
                };
                if !ts || claimed.swap(true, std::sync::atomic::Ordering::SeqCst) {
                    return gst::PadProbeReturn::Remove;
                }
                mine.store(true, std::sync::atomic::Ordering::Relaxed);
                log::debug!("the live picture's segments go to the timeshift window too");
            }
            let sender = slot.lock().ok().and_then(|s| s.clone());
            match sender.map(|s| s.try_send(map.as_slice().to_vec())) {
                Some(Ok(()) | Err(std::sync::mpsc::TrySendError::Full(_))) => gst::PadProbeReturn::Ok,
                _ => gst::PadProbeReturn::Remove,
            }
        });
    });
}

/// Takes out the output branches that none of the `selected` streams feeds, once decodebin3 has
/// chosen them. A pipeline reaches PLAYING only once every sink holds a buffer (live ones too:
/// the sinks still commit PAUSED asynchronously): the audio sink of a video-only stream (or
/// the video sink of a radio stream) would never get one, and the picture would stay on its
/// first frame. Removing the branch lets the bin commit its state without it. Done off the
/// streaming thread that posts the selection.
pub fn drop_unselected_branches(pipeline: &gst::Pipeline, selected: &[gst::Stream]) {
    if has_session_source(pipeline) {
        return;
    }
    let has = |kind: gst::StreamType| selected.iter().any(|s| s.stream_type().intersects(kind));
    let mut unfed = Vec::new();
    if !has(gst::StreamType::VIDEO) {
        unfed.push(VIDEO_BRANCH);
    }
    if !has(gst::StreamType::AUDIO) {
        unfed.push(AUDIO_BRANCH);
    }
    if unfed.is_empty() {
        return;
    }
    pipeline.call_async(move |pipeline| {
        for name in unfed {
            // A stream linked meanwhile (a later selection) keeps its branch.
            remove_branch(pipeline, name, |branch| {
                !branch.static_pad("sink").is_some_and(|p| p.is_linked())
            });
        }
    });
}

/// How long a pipeline waits, after one branch received its first buffer, for a stream to be
/// linked to the other before that branch is taken out. A selected stream may carry no data at
/// all (a PMT that announces an audio PID the capture or the server never sends): decodebin3
/// then never exposes it. A stream with data is linked as soon as its parser knows its caps,
/// well within this.
const PREROLL_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Takes out, [`PREROLL_WAIT`] after the first buffer reached one of `branches`, those that
/// still have neither a buffer nor a stream linked while the pipeline has not reached PLAYING
/// (see [`drop_unselected_branches`] for why a starved branch holds the pipeline).
fn watch_preroll(pipeline: &gst::Pipeline, branches: &[&gst::Bin]) {
    let fed: Vec<(String, Arc<std::sync::atomic::AtomicBool>)> = branches
        .iter()
        .map(|b| (b.name().to_string(), Arc::default()))
        .collect();
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    for (branch, (_, flag)) in branches.iter().zip(&fed) {
        let Some(pad) = branch.static_pad("sink") else {
            continue;
        };
        let (flag, armed, fed, weak) = (flag.clone(), armed.clone(), fed.clone(), pipeline.downgrade());
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            if !armed.swap(true, std::sync::atomic::Ordering::SeqCst) {
                check_preroll_later(weak.clone(), fed.clone());
            }
            gst::PadProbeReturn::Remove
        });
    }
}

fn check_preroll_later(
    weak: glib::WeakRef<gst::Pipeline>,
    fed: Vec<(String, Arc<std::sync::atomic::AtomicBool>)>,
) {
    let clock = gst::SystemClock::obtain();
    let at = clock.time() + gst::ClockTime::from_nseconds(PREROLL_WAIT.as_nanos() as u64);
    let id = clock.new_single_shot_id(at);
    let _ = id.wait_async(move |_, _, _| {
        let Some(pipeline) = weak.upgrade() else { return };
        let fed = fed.clone();
        pipeline.call_async(move |pipeline| {
            let (_, current, pending) = pipeline.state(gst::ClockTime::ZERO);
            if current == gst::State::Playing && pending == gst::State::VoidPending {
                return;
            }
            for (name, flag) in &fed {
                if !flag.load(std::sync::atomic::Ordering::SeqCst) {
                    // Only a branch no stream was linked to: one that is linked may just be
                    // slow to decode its first buffer (a loaded machine, a large picture).
                    remove_branch(pipeline, name, |branch| {
                        !branch.static_pad("sink").is_some_and(|p| p.is_linked())
                    });
                }
            }
        });
    });
}

/// Stops and removes the branch `name` if it is still in the pipeline and `take` agrees.
/// RTSP and RTMP sources expose their streams one pad at a time, so a selection without audio
/// (or video) is not final there: their branches are never taken out.
fn has_session_source(pipeline: &gst::Pipeline) -> bool {
    pipeline.iterate_recurse().into_iter().flatten().any(|e| {
        e.factory()
            .is_some_and(|f| matches!(f.name().as_str(), "rtspsrc" | "rtmp2src"))
    })
}

fn remove_branch(pipeline: &gst::Pipeline, name: &str, take: impl Fn(&gst::Element) -> bool) {
    if has_session_source(pipeline) {
        return;
    }
    let Some(branch) = pipeline.by_name(name) else {
        return;
    };
    if !take(&branch) {
        return;
    }
    log::debug!("no stream feeds the {name}: taken out so the pipeline can preroll");
    let feeding = branch.static_pad("sink").and_then(|p| p.peer());
    let _ = branch.set_state(gst::State::Null);
    let _ = pipeline.remove(&branch);
    // Data that comes after all is discarded rather than refused (not-linked would fail the
    // stream).
    if let Some(pad) = feeding {
        discard(pipeline, &pad);
    }
}

/// A live appsrc for TS: timestamps on arrival (as udpsrc does), so tsdemux maps PCR to running time.
fn ts_appsrc() -> gst_app::AppSrc {
    let caps = gst::Caps::builder("video/mpegts")
        .field("systemstream", true)
        .field("packetsize", 188i32)
        .build();
    gst_app::AppSrc::builder()
        .caps(&caps)
        .is_live(true)
        .do_timestamp(true)
        .format(gst::Format::Time)
        .max_bytes(4 << 20)
        .build()
}

/// Lowers tsdemux latency as it is created and records the video decoder that decodebin3 plugs.
fn watch_elements(pipeline: &gst::Pipeline, decoder: Arc<Mutex<Option<Decoder>>>) {
    pipeline.connect_deep_element_added(move |_, _, element| {
        let Some(factory) = element.factory() else {
            return;
        };
        if factory.name() == "tsdemux" {
            element.set_property("latency", TSDEMUX_LATENCY_MS);
        } else if super::decoders::is_video_decoder(&factory) {
            let picked = Decoder {
                name: factory.name().to_string(),
                hardware: super::decoders::is_hardware(&factory),
            };
            log::info!(
                "video decoder: {} ({})",
                picked.name,
                if picked.hardware { "hardware" } else { "software" }
            );
            if let Ok(mut slot) = decoder.lock() {
                *slot = Some(picked);
            }
        }
    });
}

/// The longest an end of stream is held back (see [`hold_early_eos`]): longer than
/// [`PREROLL_WAIT`], so a branch no stream feeds is out first.
const EOS_HOLD_MAX: std::time::Duration = std::time::Duration::from_secs(4);
/// How long after decodebin3 exposed its first output its other slots are given to be set up
/// (300 ms was not enough on a loaded machine: the crash below came back once in 30 runs).
const EOS_SETTLE: std::time::Duration = std::time::Duration::from_secs(1);
/// How often a held end of stream looks again.
const EOS_HOLD_POLL: std::time::Duration = std::time::Duration::from_millis(50);

/// Holds back every end of stream that reaches decodebin3 until it has set up its streams: the
/// pipeline plays, or [`EOS_SETTLE`] has passed since decodebin3 exposed its first output (a
/// decoder may need the end of stream to drain the few pictures of a short capture, so the
/// pipeline cannot be waited for alone), or at most [`EOS_HOLD_MAX`].
///
/// Why: a short input (a capture of a few hundred kilobytes) is read whole in milliseconds, and
/// its EOS reaches GStreamer 1.22's decodebin3 while it is still creating its multiqueue slots
/// and choosing streams. decodebin3 then removes the drained input streams and sends EOS to the
/// unused slots (`unblock_pending_input`, `check_all_streams_for_eos`) on one streaming thread
/// while another thread's `multiqueue_src_probe` still works on the same slot: a use after free
/// that crashes the process within the first 100 ms, or leaves a thread stuck in
/// `check_all_slot_for_eos` that crashes at the teardown's reset (seen under gdb and in
/// decodebin3's log with a capture of one video and two audio streams, the second unselected).
/// Once the slots are set up, decodebin3 drains as for any file.
///
/// The order matters too: in 1.22 the end of stream of an input that is not the last one is
/// turned into a custom event that removes its slot without draining its decoder, and only the
/// last input's EOS is sent on as a real one. A frame-threaded software decoder (avdec_h265 on a
/// 4K picture) still holds its pictures when the EOS comes, so a video input that ends before
/// an empty audio input (a PMT's audio PID that carries nothing) never shows them (test-137 on a
/// loaded machine). A video input's EOS therefore waits until the EOS of every input that
/// carried no data has passed. Only those: an input with data whose EOS comes first has its
/// output removed and its sink never ends, so the pipeline would never post its end of stream
/// (a catch-up piece that ends must be asked again). The probes sit on
/// decodebin3's sink pads (a file is read in pull mode by the demuxer, so its source never sees
/// the EOS) and block, so a teardown meanwhile (the pads deactivated on the way to NULL)
/// releases them.
fn hold_early_eos(pipeline: &gst::Pipeline) {
    let weak = pipeline.downgrade();
    pipeline.connect_deep_element_added(move |_, _, element| {
        if element.factory().is_none_or(|f| f.name() != "decodebin3") {
            return;
        }
        let hold = EosHold {
            pipeline: weak.clone(),
            decodebin: element.downgrade(),
            exposed: Arc::default(),
            fed: Arc::default(),
        };
        for pad in element.sink_pads() {
            hold_eos_on(&pad, hold.clone());
        }
        element.connect_pad_added(move |_, pad| match pad.direction() {
            gst::PadDirection::Sink => hold_eos_on(pad, hold.clone()),
            _ => {
                if let Ok(mut exposed) = hold.exposed.lock() {
                    exposed.get_or_insert_with(std::time::Instant::now);
                }
            }
        });
    });
}

/// What decides when a held end of stream may pass.
#[derive(Clone)]
struct EosHold {
    pipeline: glib::WeakRef<gst::Pipeline>,
    decodebin: glib::WeakRef<gst::Element>,
    /// When decodebin3 exposed its first output.
    exposed: Arc<Mutex<Option<std::time::Instant>>>,
    /// decodebin3's sink pads that a buffer went through.
    fed: Arc<Mutex<Vec<gst::Pad>>>,
}

impl EosHold {
    fn settled(&self) -> bool {
        let playing = self
            .pipeline
            .upgrade()
            .is_none_or(|p| p.current_state() == gst::State::Playing);
        let exposed = self
            .exposed
            .lock()
            .ok()
            .and_then(|e| *e)
            .is_some_and(|at| at.elapsed() >= EOS_SETTLE);
        playing || exposed
    }

    /// Whether `pad`'s EOS may go now that the pipeline is settled: a video input's only once
    /// every input that carried no data has passed its EOS (the sticky EOS is stored as it
    /// passes), so that decodebin3 drains the video's decoder.
    fn may_pass(&self, pad: &gst::Pad) -> bool {
        if !is_video_input(pad) {
            return true;
        }
        let Some(decodebin) = self.decodebin.upgrade() else {
            return true;
        };
        let Ok(fed) = self.fed.lock() else {
            return true;
        };
        decodebin
            .sink_pads()
            .iter()
            .filter(|other| *other != pad && !fed.contains(other))
            .all(|other| other.sticky_event::<gst::event::Eos>(0).is_some())
    }

    fn mark_fed(&self, pad: &gst::Pad) {
        if let Ok(mut fed) = self.fed.lock()
            && !fed.contains(pad)
        {
            fed.push(pad.clone());
        }
    }
}

/// Whether `pad` carries a video stream (as its stream-start says).
fn is_video_input(pad: &gst::Pad) -> bool {
    pad.stream()
        .is_some_and(|s| s.stream_type().contains(gst::StreamType::VIDEO))
}

fn hold_eos_on(pad: &gst::Pad, hold: EosHold) {
    let marker = hold.clone();
    pad.add_probe(
        gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
        move |pad, _| {
            marker.mark_fed(pad);
            gst::PadProbeReturn::Remove
        },
    );
    let held = std::sync::atomic::AtomicBool::new(false);
    pad.add_probe(
        gst::PadProbeType::BLOCK | gst::PadProbeType::EVENT_DOWNSTREAM,
        move |pad, info| {
            if !matches!(info.event().map(|e| e.type_()), Some(gst::EventType::Eos)) {
                return gst::PadProbeReturn::Pass;
            }
            // A video input's EOS always goes through the timer, which sees the others pass.
            if hold.settled() && !is_video_input(pad) {
                return gst::PadProbeReturn::Remove;
            }
            if let Some(id) = info.id.take()
                && !held.swap(true, std::sync::atomic::Ordering::SeqCst)
            {
                log::debug!(
                    "end of stream on {} before decodebin3 is set up: held back",
                    pad.name()
                );
                release_eos_later(pad.clone(), id, hold.clone());
            }
            gst::PadProbeReturn::Ok
        },
    );
}

/// Removes the blocking probe `id` from `pad` (letting its EOS through) once `hold` is settled
/// and, for a video input, the EOS of the inputs without data has passed; or once
/// [`EOS_HOLD_MAX`] has passed.
fn release_eos_later(pad: gst::Pad, id: gst::PadProbeId, hold: EosHold) {
    let clock = gst::SystemClock::obtain();
    let start = clock.time();
    let poll = gst::ClockTime::from_nseconds(EOS_HOLD_POLL.as_nanos() as u64);
    let limit = start + gst::ClockTime::from_nseconds(EOS_HOLD_MAX.as_nanos() as u64);
    let timer = clock.new_periodic_id(start + poll, poll);
    let id = Mutex::new(Some(id));
    // Ticks in a row on which the empty inputs' EOS had passed: two, so that the last of them
    // has had a whole tick to reach decodebin3's input handling after its sticky EOS was stored.
    let passed = std::sync::atomic::AtomicU32::new(0);
    let _ = timer.wait_async(move |clock, _, timer| {
        let ready = hold.settled() && hold.may_pass(&pad);
        let ticks = if ready {
            passed.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1
        } else {
            passed.store(0, std::sync::atomic::Ordering::SeqCst);
            0
        };
        let due = if is_video_input(&pad) { 2 } else { 1 };
        if (ticks >= due || clock.time() >= limit)
            && let Some(id) = id.lock().ok().and_then(|mut i| i.take())
        {
            log::debug!("end of stream on {} let through", pad.name());
            pad.remove_probe(id);
            timer.unschedule();
        }
    });
}

/// The lineup's referrer and extra headers as an HTTP source's `extra-headers` (empty when none).
pub(super) fn extra_headers(source: &Source) -> gst::Structure {
    let mut headers = gst::Structure::builder("extra-headers");
    if let Some(referrer) = &source.referrer {
        headers = headers.field("Referer", referrer);
    }
    for (name, value) in &source.headers {
        headers = headers.field(name.as_str(), value);
    }
    headers.build()
}

/// User agent, referrer and extra headers from the lineup reach the HTTP source and the adaptive
/// demuxers (the user agent reaches RTSP too); RTSP and RTMP sources get their timeouts.
fn configure_http(uridecodebin: &gst::Element, source: &Source) {
    let user_agent = source.user_agent.clone();
    let headers = extra_headers(source);
    uridecodebin.connect("source-setup", false, move |args| {
        let element = args.get(1).and_then(|v| v.get::<gst::Element>().ok())?;
        set_http_properties(&element, user_agent.as_deref(), &headers);
        None
    });
}

/// How long `rtspsrc` waits for UDP before it retries over TCP, and for TCP data before it fails
/// (a failure the core retries, as for HTTP): a stall is noticed within seconds.
const RTSP_UDP_TIMEOUT_US: u64 = 3_000_000;
const RTSP_TCP_TIMEOUT_US: u64 = 5_000_000;
/// `rtspsrc`'s jitter buffer; its 2 s default would add 2 s to every zap.
const RTSP_LATENCY_MS: u32 = 300;
/// Seconds without data after which `rtmp2src` fails (0, its default, waits forever).
const RTMP_IDLE_TIMEOUT_S: u32 = 5;

fn set_http_properties(element: &gst::Element, user_agent: Option<&str>, headers: &gst::Structure) {
    // urisourcebin wraps the real source; set properties on whatever element understands them
    // (souphttpsrc and the adaptive demuxers; rtspsrc takes the user agent too, RTMP has none).
    match element.factory().map(|f| f.name()).as_deref() {
        Some("rtspsrc") => {
            // Its default protocols are UDP (unicast and multicast) then TCP: the fallback needed
            // behind NAT and firewalls.
            element.set_property("timeout", RTSP_UDP_TIMEOUT_US);
            element.set_property("tcp-timeout", RTSP_TCP_TIMEOUT_US);
            element.set_property("latency", RTSP_LATENCY_MS);
        }
        Some("rtmp2src") if element.has_property("idle-timeout") => {
            element.set_property("idle-timeout", RTMP_IDLE_TIMEOUT_S);
        }
        _ => {}
    }
    if let Some(ua) = user_agent
        && element.has_property("user-agent")
    {
        element.set_property("user-agent", ua);
    }
    if element.has_property("extra-headers") && headers.n_fields() > 0 {
        element.set_property("extra-headers", headers);
    }
}

/// Links decodebin's dynamic pads: the first video and audio streams to their branches, anything
/// else (subtitles, extra tracks) to a fakesink so an unlinked pad cannot stop the stream.
fn link_streams(source: &gst::Element, pipeline: &gst::Pipeline, video: gst::Bin, audio: gst::Bin) {
    let pipeline = pipeline.downgrade();
    source.connect_pad_added(move |_, pad| {
        let Some(pipeline) = pipeline.upgrade() else {
            return;
        };
        let media = pad
            .current_caps()
            .or_else(|| Some(pad.query_caps(None)))
            .and_then(|c| c.structure(0).map(|s| s.name().to_string()))
            .unwrap_or_default();
        let target = if media.starts_with("video/") {
            video.static_pad("sink").filter(|p| !p.is_linked())
        } else if media.starts_with("audio/") {
            audio.static_pad("sink").filter(|p| !p.is_linked())
        } else {
            None
        };
        let linked = match target {
            Some(sink) => pad.link(&sink).is_ok(),
            None => false,
        };
        if !linked {
            discard(&pipeline, pad);
        }
    });
}

fn discard(pipeline: &gst::Pipeline, pad: &gst::Pad) {
    let Ok(sink) = gst::ElementFactory::make("fakesink")
        .property("sync", false)
        .property("async", false)
        .build()
    else {
        return;
    };
    if pipeline.add(&sink).is_ok() {
        let _ = sink.sync_state_with_parent();
        if let Some(sinkpad) = sink.static_pad("sink") {
            let _ = pad.link(&sinkpad);
        }
    }
}
