// SPDX-License-Identifier: GPL-3.0-or-later
//! Decoder choice: decodebin3/parsebin pick decoders by rank; a board profile raises or lowers ranks
//! (prefer `v4l2h264dec`, demote `avdec_h264`, ...). Also tells hardware decoders from software ones.

use gstreamer as gst;
use gstreamer::prelude::*;
use std::collections::BTreeMap;

/// Applies rank overrides from a board profile to the registry. Unknown elements are reported, not fatal:
/// one profile serves boards with and without a given plugin.
pub fn apply_ranks(ranks: &BTreeMap<String, i32>) -> Vec<String> {
    let registry = gst::Registry::get();
    let mut missing = Vec::new();
    for (name, rank) in ranks {
        match registry.lookup_feature(name) {
            Some(feature) => {
                feature.set_rank(gst::Rank::from(*rank));
                log::info!("decoder rank: {name} = {rank}");
            }
            None => missing.push(name.clone()),
        }
    }
    missing
}

/// Whether an element factory is a video decoder.
pub fn is_video_decoder(factory: &gst::ElementFactory) -> bool {
    let klass = factory.klass();
    klass.contains("Decoder") && klass.contains("Video")
}

/// Whether a decoder runs on dedicated hardware: GStreamer marks those with "Hardware" in the class;
/// older plugins are known by name.
pub fn is_hardware(factory: &gst::ElementFactory) -> bool {
    const HARDWARE_PREFIXES: &[&str] = &[
        "v4l2", "va", "vaapi", "nv", "omx", "msdk", "qsv", "amc", "imx", "vpu",
    ];
    let name = factory.name();
    factory.klass().contains("Hardware") || HARDWARE_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// One decoder available on this system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecoderInfo {
    pub name: String,
    pub rank: i32,
    pub hardware: bool,
    /// Caps the decoder accepts, abbreviated to media types (`video/x-h264`, ...).
    pub formats: Vec<String>,
}

/// Every video decoder in the registry, best rank first.
pub fn video_decoders() -> Vec<DecoderInfo> {
    let mut found: Vec<DecoderInfo> = gst::ElementFactory::factories_with_type(
        gst::ElementFactoryType::DECODER | gst::ElementFactoryType::MEDIA_VIDEO,
        gst::Rank::NONE,
    )
    .into_iter()
    .filter(is_video_decoder)
    .map(|f| DecoderInfo {
        name: f.name().to_string(),
        rank: f.rank().into(),
        hardware: is_hardware(&f),
        formats: sink_media_types(&f),
    })
    .collect();
    found.sort_by(|a, b| b.rank.cmp(&a.rank).then_with(|| a.name.cmp(&b.name)));
    found
}

fn sink_media_types(factory: &gst::ElementFactory) -> Vec<String> {
    let mut types: Vec<String> = factory
        .static_pad_templates()
        .into_iter()
        .filter(|t| t.direction() == gst::PadDirection::Sink)
        .flat_map(|t| {
            let caps = t.caps();
            caps.iter().map(|s| s.name().to_string()).collect::<Vec<_>>()
        })
        .collect();
    types.dedup();
    types
}
