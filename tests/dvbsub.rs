// SPDX-License-Identifier: GPL-3.0-or-later
//! The DVB subtitle decoder (`mpegts::dvbsub`) against a real capture: TSDuck's test-026.ts
//! (France 2, DVB-T) has two subtitle services declared by the PMT's subtitling descriptor;
//! each is decoded from its PID with its composition and ancillary pages, and the display
//! sets must be drawable subtitles: inside the canvas, PTS-stamped within the capture's
//! span, a few lines of text high, shown and then cleared.
//!
//! The capture lives in the shared corpus (`../shared/corpus/ts`, not shipped with the
//! sources); without it the test says so and passes.

use std::path::PathBuf;

use zapbox::mpegts::dvbsub::{DisplaySet, DvbSubDecoder};
use zapbox::mpegts::program::ProgramTracker;
use zapbox::mpegts::subtitles::SubtitleCarriage;
use zapbox::mpegts::{Framer, TsPacket};

fn corpus(name: &str) -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/ts")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("SKIPPED: corpus file {} not available ({e})", path.display());
            None
        }
    }
}

/// Every display set of every DVB subtitle track of the capture, by track.
fn decode(data: &[u8]) -> Vec<(u16, String, Vec<DisplaySet>)> {
    let mut tracker = ProgramTracker::new(None);
    let mut framer = Framer::new();
    let mut decoders: Vec<(u16, String, DvbSubDecoder, Vec<DisplaySet>)> = Vec::new();
    framer.push(data, &mut |packets| {
        for raw in packets {
            let packet = TsPacket::from_array(raw).expect("framed packets are synced");
            tracker.observe(&packet);
            if decoders.is_empty()
                && let Some(pmt) = tracker.pmt()
            {
                for track in pmt.subtitle_tracks() {
                    if let SubtitleCarriage::Dvb {
                        composition_page,
                        ancillary_page,
                        ..
                    } = track.carriage
                    {
                        let language = track.language_str().unwrap_or("").to_owned();
                        let decoder = DvbSubDecoder::new(composition_page, ancillary_page);
                        decoders.push((track.pid, language, decoder, Vec::new()));
                    }
                }
            }
            for (pid, _, decoder, sets) in &mut decoders {
                if packet.pid() == *pid {
                    decoder.push_packet(&packet, &mut |s| sets.push(s.clone()));
                }
            }
        }
    });
    decoders
        .into_iter()
        .map(|(pid, l, _, sets)| (pid, l, sets))
        .collect()
}

/// The France 2 capture declares two HD subtitle services, but holds only the tail of one
/// PES of them (its 33 packets start mid-PES): the tracks are found and the fragment is
/// dropped without a display set.
#[test]
fn france_2_declares_hd_subtitles_and_its_fragment_is_dropped() {
    let Some(data) = corpus("tsduck/test-026.ts") else {
        return;
    };
    let tracks = decode(&data);
    let pids: Vec<(u16, &str)> = tracks.iter().map(|(p, l, _)| (*p, l.as_str())).collect();
    assert_eq!(pids, [(140, "fra"), (142, "fra")]);
    assert!(tracks.iter().all(|(_, _, sets)| sets.is_empty()));
}

/// A subtitle as GStreamer's own encoder makes it: `textoverlay` draws text on a
/// transparent AYUV frame, `dvbsubenc` encodes it, `mpegtsmux` declares it in the PMT.
/// Returns the frame (AYUV) and the transport stream.
fn gstreamer_subtitle(text: &str) -> (Vec<u8>, Vec<u8>) {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    gst::init().expect("GStreamer initialises");
    let description = format!(
        "videotestsrc pattern=solid-color foreground-color=0x00000000 num-buffers=3 \
           ! video/x-raw,format=AYUV,width=720,height=576,framerate=25/1 \
           ! textoverlay text=\"{text}\" font-desc=\"Sans Bold 30\" valignment=bottom ypad=40 \
           ! tee name=t ! queue ! appsink name=frames sync=false \
         t. ! queue ! dvbsubenc ! mpegtsmux ! appsink name=ts sync=false"
    );
    let pipeline = gst::parse::launch(&description)
        .expect("the encoding pipeline builds")
        .downcast::<gst::Pipeline>()
        .expect("a pipeline");
    let sink = |name: &str| {
        pipeline
            .by_name(name)
            .expect("the sink exists")
            .downcast::<gstreamer_app::AppSink>()
            .expect("an appsink")
    };
    let (frames, ts) = (sink("frames"), sink("ts"));
    pipeline
        .set_state(gst::State::Playing)
        .expect("the pipeline plays");
    let frame = frames.pull_sample().expect("a frame");
    let frame = frame
        .buffer()
        .expect("a buffer")
        .map_readable()
        .expect("readable")
        .to_vec();
    let mut stream = Vec::new();
    while let Ok(sample) = ts.pull_sample() {
        stream.extend_from_slice(
            &sample
                .buffer()
                .expect("a buffer")
                .map_readable()
                .expect("readable"),
        );
    }
    pipeline.set_state(gst::State::Null).expect("the pipeline stops");
    (frame, stream)
}

/// GStreamer's encoder and this decoder agree: the decoded subtitle covers the same pixels
/// as the text the frame carried, at the same place, in its colours.
#[test]
fn subtitles_from_gstreamers_encoder_decode_to_the_drawn_text() {
    let (frame, ts) = gstreamer_subtitle("Sous-titres DVB");
    let tracks = decode(&ts);
    assert_eq!(tracks.len(), 1, "mpegtsmux declares one subtitle track");
    let sets = &tracks[0].2;
    assert!(!sets.is_empty(), "display sets decoded");
    let set = &sets[0];
    assert!(set.pts.is_some());
    assert_eq!((set.display_width, set.display_height), (720, 576));
    // The canvas as decoded: alpha and luma per pixel.
    let mut decoded = vec![[0u8; 4]; 720 * 576];
    for r in &set.regions {
        for (i, px) in r.rgba.chunks_exact(4).enumerate() {
            let (x, y) = (
                r.x as usize + i % r.width as usize,
                r.y as usize + i / r.width as usize,
            );
            if x < 720 && y < 576 && px[3] > 0 {
                decoded[y * 720 + x] = px.try_into().unwrap();
            }
        }
    }
    let (mut drawn, mut agree, mut bright, mut covered) = (0usize, 0usize, 0usize, 0usize);
    for (i, source) in frame.chunks_exact(4).enumerate() {
        let (alpha, luma) = (source[0], source[1]);
        let out = decoded[i];
        if alpha > 128 {
            drawn += 1;
            covered += usize::from(out[3] > 64);
            // White text stays white, its dark outline dark.
            if luma > 200 && out[3] > 64 {
                bright += usize::from(out[0] > 180 && out[1] > 180 && out[2] > 180);
            }
        } else if alpha == 0 {
            // The encoder's palette merges the faint edge of the text with the clear
            // background, so clear pixels may come back faintly tinted, never more.
            agree += usize::from(out[3] < 64);
        }
    }
    let opaque = frame.chunks_exact(4).filter(|p| p[0] > 128).count();
    let transparent = frame.chunks_exact(4).filter(|p| p[0] == 0).count();
    assert!(drawn > 2000, "the text covers {drawn} pixels");
    // Every text pixel where it was (a row or field out of place misses hundreds).
    assert!(
        covered * 1000 >= drawn * 999,
        "{covered} of {drawn} text pixels drawn"
    );
    let share = (agree + covered) as f64 / (opaque + transparent) as f64;
    assert!(share > 0.999, "decoded alpha agrees on {share:.4} of the pixels");
    let white = frame
        .chunks_exact(4)
        .enumerate()
        .filter(|(i, p)| p[0] > 128 && p[1] > 200 && decoded[*i][3] > 64)
        .count();
    assert!(
        bright * 10 >= white * 9,
        "{bright} of {white} white pixels came back white"
    );
}
