// SPDX-License-Identifier: GPL-3.0-or-later
//! ViewModel -> the `Tv` adapter's properties: a function of the view model alone (no I/O, no
//! guide access). Only what changed is written again: a screen's rows are rebuilt when the
//! screen's view changed (or once a minute for progress bars), so a clock tick does not make the
//! software renderer redraw the whole guide.

use super::{contract, screens, text};
use crate::core::{Picture, ProgrammeView, ScreenView, ViewModel};
use crate::slint_generated as ui;

/// Keeps what was last written, to skip unchanged screens and converting the same logo again.
#[derive(Default)]
pub struct Renderer {
    screen: Option<(ScreenView, i64)>,
    logo: Option<(Picture, slint::Image)>,
    language: String,
    /// The bitmap subtitle last converted (its regions' pixels, by identity).
    subtitle: Vec<std::sync::Arc<[u8]>>,
}

impl Renderer {
    /// The bitmap subtitle's regions as images on its canvas, converted once per display set.
    fn subtitle_image(&mut self, tv: &ui::Tv<'_>, image: Option<&crate::core::SubtitleImage>) {
        let regions = image.map(|i| i.regions.as_slice()).unwrap_or_default();
        let same = regions.len() == self.subtitle.len()
            && regions
                .iter()
                .zip(&self.subtitle)
                .all(|(r, shown)| std::sync::Arc::ptr_eq(&r.rgba, shown));
        if same {
            return;
        }
        self.subtitle = regions.iter().map(|r| r.rgba.clone()).collect();
        if let Some(image) = image {
            tv.set_subtitle_canvas_width(image.canvas_width as f32);
            tv.set_subtitle_canvas_height(image.canvas_height as f32);
        }
        let bitmaps: Vec<ui::SubtitleBitmap> = regions
            .iter()
            .map(|r| {
                let pixels = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::clone_from_slice(
                    &r.rgba, r.width, r.height,
                );
                ui::SubtitleBitmap {
                    image: slint::Image::from_rgba8(pixels),
                    x: r.x as f32,
                    y: r.y as f32,
                    width: r.width as f32,
                    height: r.height as f32,
                }
            })
            .collect();
        tv.set_subtitle_bitmaps(screens::model(bitmaps));
    }

    /// Writes `view` into the window's `Tv` global.
    pub fn render(&mut self, tv: &ui::Tv<'_>, view: &ViewModel) {
        self.select_language(&view.ui_language);
        let now_s = view.clock_utc_ms.div_euclid(1000);
        live(tv, view, now_s);
        self.subtitle_image(tv, view.subtitle_image.as_ref());
        overlays(tv, view);
        let logo = view.logo.as_ref().map(|p| self.image(p));
        tv.set_has_logo(logo.is_some());
        tv.set_channel_logo(logo.unwrap_or_default());
        let key = (without_clock(&view.screen), now_s / 60);
        if self.screen.as_ref() == Some(&key) {
            return;
        }
        self.screen = Some(key);
        match &view.screen {
            ScreenView::Live => {}
            ScreenView::ChannelList(list) => screens::channel_list(tv, list, now_s),
            ScreenView::Guide(grid) => screens::guide(tv, grid),
            ScreenView::Menu(menu) => screens::menu(tv, menu),
            ScreenView::Teletext(text) => screens::teletext(tv, text),
            ScreenView::Recordings(list) => screens::recordings(tv, list),
        }
        tv.set_screen(contract::screen(&view.screen));
    }

    /// The Slint image of a decoded logo, converted once per logo.
    fn image(&mut self, picture: &Picture) -> slint::Image {
        if let Some((shown, image)) = &self.logo
            && shown == picture
        {
            return image.clone();
        }
        let buffer = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::clone_from_slice(
            &picture.rgba,
            picture.width,
            picture.height,
        );
        let image = slint::Image::from_rgba8(buffer);
        self.logo = Some((picture.clone(), image.clone()));
        image
    }

    /// Switches the interface language when the viewer chose another one ("en" is the source text).
    fn select_language(&mut self, language: &str) {
        if self.language == language {
            return;
        }
        if let Err(e) = slint::select_bundled_translation(language) {
            log::warn!("no translation for '{language}': {e:?}");
        }
        self.language = language.to_string();
    }
}

/// The screen's view with the guide's clock removed (the now line is written separately).
fn without_clock(screen: &ScreenView) -> ScreenView {
    match screen {
        ScreenView::Guide(grid) => ScreenView::Guide(crate::core::GuideView {
            now_s: 0,
            ..grid.clone()
        }),
        other => other.clone(),
    }
}

/// The programme facts the banner and the details panel show.
pub fn programme(p: Option<&ProgrammeView>, now_s: i64) -> ui::Programme {
    match p {
        Some(p) => ui::Programme {
            valid: true,
            title: p.title.as_str().into(),
            time: text::span(p.start_s, p.stop_s).into(),
            progress: p.progress(now_s),
        },
        None => ui::Programme::default(),
    }
}

fn live(tv: &ui::Tv<'_>, view: &ViewModel, now_s: i64) {
    let channel = view.requested.as_ref();
    tv.set_standby(view.standby);
    tv.set_aspect(contract::aspect(view.aspect));
    tv.set_channel_number(channel.map(|c| c.number.to_string()).unwrap_or_default().into());
    tv.set_channel_name(channel.map(|c| c.name.clone()).unwrap_or_default().into());
    tv.set_channel_initials(
        channel
            .map(|c| text::initials(&c.name))
            .unwrap_or_default()
            .into(),
    );
    tv.set_channel_group(channel.and_then(|c| c.group.clone()).unwrap_or_default().into());
    tv.set_phase(contract::phase(view.phase.as_ref()));
    tv.set_banner_visible(view.banner_visible);
    tv.set_watch_from_start(view.watch_from_start);
    tv.set_clock(text::clock(now_s).into());
    tv.set_now(programme(view.now.as_ref(), now_s));
    tv.set_next(programme(view.next.as_ref(), now_s));
    tv.set_decoder(view.decoder.clone().unwrap_or_default().into());
    timeshift(tv, view.timeshift.as_ref());
    tv.set_volume(i32::from(view.volume_percent));
    tv.set_muted(view.muted);
    tv.set_volume_device(contract::volume_device(view.volume_device));
    let language = view
        .audio_tracks
        .iter()
        .find(|t| Some(&t.id) == view.audio_selected.as_ref())
        .and_then(|t| t.language.clone());
    tv.set_audio_language(language.unwrap_or_default().into());
    let selected = view.subtitle_selected.as_deref();
    tv.set_subtitle(contract::subtitle(&view.subtitle_tracks, selected));
    let chosen = view
        .subtitle_tracks
        .iter()
        .find(|t| Some(t.id.as_str()) == selected);
    let language = chosen
        .and_then(|t| t.language.as_deref())
        .map(contract::language_name);
    // Captions are named by their channel ("CC1") or CEA-708 service ("CC service 1"), with the
    // language when one is declared.
    let channel = chosen
        .and_then(|t| t.caption_channel())
        .map(|n| format!("CC{n}"))
        .or_else(|| {
            chosen
                .and_then(|t| t.caption_service())
                .map(|n| format!("CC service {n}"))
        });
    let language = match (channel, language) {
        (Some(channel), Some(language)) => Some(format!("{channel} {language}")),
        (channel, language) => channel.or(language),
    };
    tv.set_subtitle_language(language.unwrap_or_default().into());
    tv.set_subtitle_hoh(chosen.is_some_and(|t| t.hard_of_hearing));
    let style = view.subtitle_style;
    tv.set_subtitle_scale(style.size.scale());
    tv.set_subtitle_box(style.background);
    tv.set_subtitle_position(contract::subtitle_position(style.position));
    let lines: Vec<ui::SubtitleLine> = view
        .subtitle_lines
        .iter()
        .map(|line| ui::SubtitleLine {
            double_height: line.double_height,
            runs: screens::model(
                line.runs
                    .iter()
                    .map(|r| ui::SubtitleRun {
                        text: r.text.clone().into(),
                        colour: contract::subtitle_colour(r.colour),
                    })
                    .collect(),
            ),
        })
        .collect();
    if let Some(new) = screens::update(tv.get_subtitle_lines(), lines) {
        tv.set_subtitle_lines(new);
    }
    if let ScreenView::Guide(grid) = &view.screen {
        let span = (grid.to_s - grid.from_s).max(1) as f32;
        tv.set_guide_now((now_s - grid.from_s) as f32 / span);
    }
}

/// The timeshift bar and the "behind live" chip.
fn timeshift(tv: &ui::Tv<'_>, view: Option<&crate::core::TimeshiftView>) {
    let Some(view) = view else {
        tv.set_shift_bar_visible(false);
        tv.set_shift_speed("".into());
        tv.set_shift_behind("".into());
        return;
    };
    let bar = super::timeshift::bar(view);
    tv.set_shift_bar_visible(view.bar_visible);
    tv.set_shift_paused(view.paused);
    tv.set_shift_speed(super::timeshift::speed(view.trick).into());
    tv.set_shift_archive(view.archive);
    tv.set_shift_behind(super::timeshift::behind(view.behind_live_ms).into());
    let title = view
        .programme
        .as_ref()
        .map(|p| p.title.clone())
        .unwrap_or_default();
    tv.set_shift_title(title.into());
    tv.set_shift_buffered_from(bar.buffered_from);
    tv.set_shift_position(bar.position);
    tv.set_shift_live(bar.live);
    tv.set_shift_start(text::clock(bar.start_s).into());
    tv.set_shift_end(text::clock(bar.end_s).into());
}

fn overlays(tv: &ui::Tv<'_>, view: &ViewModel) {
    let digits = view.digits.as_ref();
    tv.set_digits(digits.map(|d| d.typed.clone()).unwrap_or_default().into());
    tv.set_digits_target(
        digits
            .and_then(|d| d.target.as_ref())
            .map(|c| format!("{}  {}", c.number, c.name))
            .unwrap_or_default()
            .into(),
    );
    let (kind, arg) = contract::notice(view.notice.as_ref());
    tv.set_notice_kind(kind);
    tv.set_notice_arg(arg.into());
    tv.set_recording(view.recording);
    tv.set_rec_dialog_visible(view.rec_dialog.is_some());
    if let Some(d) = &view.rec_dialog {
        tv.set_rec_dialog_title(d.title.clone().into());
        let when = format!(
            "{}  {}  {}",
            d.channel,
            text::day(d.start_s),
            text::span(d.start_s, d.stop_s)
        );
        tv.set_rec_dialog_when(when.into());
        tv.set_rec_dialog_focus(d.focus as i32);
    }
    tv.set_pin_visible(view.pin.is_some());
    if let Some(pin) = &view.pin {
        tv.set_pin_purpose(contract::pin_purpose(&pin.purpose));
        tv.set_pin_typed(pin.typed as i32);
        tv.set_pin_wrong(pin.wrong);
        let channel = pin.channel.as_ref().map(|c| format!("{}  {}", c.number, c.name));
        tv.set_pin_channel(channel.unwrap_or_default().into());
    }
}
