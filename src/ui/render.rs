// SPDX-License-Identifier: GPL-3.0-or-later
//! ViewModel -> the `Tv` adapter's properties. Only what changed is written again: a screen's rows
//! are rebuilt when the screen's view changed (or once a minute for progress bars), so a clock
//! tick does not make the software renderer redraw the whole guide.

use super::screens;
use super::text;
use crate::core::{GuideHandle, PinPurpose, ProgrammeView, ScreenView, ViewModel};
use crate::epg::ProgrammeId;
use crate::slint_generated as ui;

/// Keeps what was last written, to skip unchanged screens and re-reading programme details.
#[derive(Default)]
pub struct Renderer {
    screen: Option<(ScreenView, i64)>,
    details: Option<(ProgrammeId, screens::DetailsText)>,
    logos: Option<super::logos::Logos>,
}

impl Renderer {
    /// A renderer that shows channel logos, cached under `dir`.
    pub fn with_logos(dir: std::path::PathBuf) -> Self {
        Self {
            logos: Some(super::logos::Logos::new(dir)),
            ..Self::default()
        }
    }

    /// Writes `view` into the window's `Tv` global. `guide` gives the focused programme's details.
    pub fn render(&mut self, tv: &ui::Tv<'_>, view: &ViewModel, guide: Option<&GuideHandle>) {
        let now_s = view.clock_utc_ms.div_euclid(1000);
        live(tv, view, now_s);
        overlays(tv, view);
        let logo = view.requested.as_ref().and_then(|c| c.logo.as_deref());
        let image = logo
            .zip(self.logos.as_mut())
            .and_then(|(url, logos)| logos.get(url));
        tv.set_has_logo(image.is_some());
        tv.set_channel_logo(image.unwrap_or_default());
        let key = (without_clock(&view.screen), now_s / 60);
        if self.screen.as_ref() == Some(&key) {
            return;
        }
        self.screen = Some(key);
        match &view.screen {
            ScreenView::Live => tv.set_screen("live".into()),
            ScreenView::ChannelList(list) => {
                screens::channel_list(tv, list, now_s);
                tv.set_screen("list".into());
            }
            ScreenView::Guide(grid) => {
                let details = self.details_of(grid.focused.as_ref(), guide);
                screens::guide(tv, grid, &details);
                tv.set_screen("guide".into());
            }
            ScreenView::Menu(menu) => {
                screens::menu(tv, menu);
                tv.set_screen("menu".into());
            }
        }
    }

    /// Details of the focused programme, read from the index once per focus change.
    fn details_of(
        &mut self,
        focused: Option<&ProgrammeView>,
        guide: Option<&GuideHandle>,
    ) -> screens::DetailsText {
        let (Some(id), Some(guide)) = (focused.and_then(|p| p.id), guide) else {
            return screens::DetailsText::default();
        };
        if let Some((cached, text)) = &self.details
            && *cached == id
        {
            return text.clone();
        }
        let text = match guide.0.index().details(id) {
            Ok(Some(details)) => screens::DetailsText::from(&details),
            Ok(None) => screens::DetailsText::default(),
            Err(e) => {
                log::warn!("cannot read programme details: {e}");
                screens::DetailsText::default()
            }
        };
        self.details = Some((id, text.clone()));
        text
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
    tv.set_aspect(view.aspect.as_str().into());
    tv.set_channel_number(channel.map(|c| c.number.to_string()).unwrap_or_default().into());
    tv.set_channel_name(channel.map(|c| c.name.clone()).unwrap_or_default().into());
    tv.set_channel_initials(
        channel
            .map(|c| text::initials(&c.name))
            .unwrap_or_default()
            .into(),
    );
    tv.set_channel_group(channel.and_then(|c| c.group.clone()).unwrap_or_default().into());
    tv.set_phase(view.phase.as_ref().map(text::phase_id).unwrap_or_default().into());
    tv.set_phase_detail(
        view.phase
            .as_ref()
            .map(text::phase_text)
            .unwrap_or_default()
            .into(),
    );
    tv.set_banner_visible(view.banner_visible);
    tv.set_clock(text::clock(now_s).into());
    tv.set_now(programme(view.now.as_ref(), now_s));
    tv.set_next(programme(view.next.as_ref(), now_s));
    tv.set_decoder(view.decoder.clone().unwrap_or_default().into());
    tv.set_volume(i32::from(view.volume_percent));
    tv.set_muted(view.muted);
    tv.set_volume_device(
        match view.volume_device {
            None => "",
            Some(crate::core::CecDevice::Tv) => "tv",
            Some(crate::core::CecDevice::AudioSystem) => "audio-system",
        }
        .into(),
    );
    let language = view
        .audio_tracks
        .iter()
        .find(|t| Some(&t.id) == view.audio_selected.as_ref())
        .and_then(|t| t.language.clone());
    tv.set_audio_language(language.unwrap_or_default().into());
    if let ScreenView::Guide(grid) = &view.screen {
        let span = (grid.to_s - grid.from_s).max(1) as f32;
        tv.set_guide_now((now_s - grid.from_s) as f32 / span);
    }
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
    let (kind, arg) = view.notice.as_ref().map(text::notice_id).unwrap_or_default();
    tv.set_notice_kind(kind.into());
    tv.set_notice_arg(arg.into());
    tv.set_pin_visible(view.pin.is_some());
    if let Some(pin) = &view.pin {
        let purpose = match pin.purpose {
            PinPurpose::Unlock(_) => "unlock",
            PinPurpose::ToggleLock(_) => "toggle-lock",
            PinPurpose::ChangeOld => "change-old",
            PinPurpose::ChangeNew => "change-new",
            PinPurpose::ChangeConfirm(_) => "change-confirm",
        };
        tv.set_pin_purpose(purpose.into());
        tv.set_pin_typed(pin.typed as i32);
        tv.set_pin_wrong(pin.wrong);
        let channel = pin.channel.as_ref().map(|c| format!("{}  {}", c.number, c.name));
        tv.set_pin_channel(channel.unwrap_or_default().into());
    }
}
