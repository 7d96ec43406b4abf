// SPDX-License-Identifier: GPL-3.0-or-later
//! The channel list, guide grid and menu views written into the `Tv` adapter's models. Only the
//! visible rows arrive here; each becomes one model row.

use super::render::programme;
use super::{contract, text};
use crate::core::{ChannelListView, GuideView, MenuItem, MenuLine, MenuPage, MenuView, TeletextView};
use crate::guide::Details;
use crate::slint_generated as ui;
use slint::{ModelRc, SharedString, VecModel};

/// The focused programme's details as the panel shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DetailsText {
    pub description: String,
    /// Sub-title, episode, categories, rating on one line.
    pub extra: String,
}

impl From<&Details> for DetailsText {
    fn from(d: &Details) -> Self {
        let mut extra: Vec<String> = Vec::new();
        extra.extend(d.sub_title.clone());
        extra.extend(
            d.episode
                .iter()
                .find(|e| e.system == "onscreen")
                .map(|e| e.value.clone()),
        );
        extra.extend(d.categories.iter().take(2).cloned());
        extra.extend(d.rating.first().map(|r| r.value.clone()));
        Self {
            description: d.description.clone().unwrap_or_default(),
            extra: extra.join(" · "),
        }
    }
}

pub(super) fn model<T: Clone + 'static>(rows: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(rows))
}

/// Writes `rows` into the model shown now, row by row when the count is unchanged, so the row
/// elements stay and the focus highlight can animate from one row to the next. Returns a new
/// model only when there is none yet.
pub(super) fn update<T: Clone + 'static>(current: ModelRc<T>, rows: Vec<T>) -> Option<ModelRc<T>> {
    use slint::Model;
    let Some(shown) = current.as_any().downcast_ref::<VecModel<T>>() else {
        return Some(model(rows));
    };
    if shown.row_count() == rows.len() {
        for (i, row) in rows.into_iter().enumerate() {
            shown.set_row_data(i, row);
        }
    } else {
        shown.set_vec(rows);
    }
    None
}

pub fn channel_list(tv: &ui::Tv<'_>, view: &ChannelListView, now_s: i64) {
    let (kind, name) = contract::list(&view.list);
    tv.set_list_kind(kind);
    tv.set_list_name(name.into());
    tv.set_list_position(format!("{} / {}", view.position + 1, view.total).into());
    let rows = view
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| ui::ChannelRow {
            number: row.channel.number.to_string().into(),
            name: row.channel.name.as_str().into(),
            now_title: row
                .now
                .as_ref()
                .map(|p| p.title.as_str())
                .unwrap_or_default()
                .into(),
            now_progress: row.now.as_ref().map_or(0.0, |p| p.progress(now_s)),
            locked: row.locked,
            favourite: row.favourite,
            playing: row.playing,
            focused: i == view.focus_row,
        })
        .collect();
    if let Some(new) = update(tv.get_list_rows(), rows) {
        tv.set_list_rows(new);
    }
}

pub fn recordings(tv: &ui::Tv<'_>, view: &crate::core::RecordingsView) {
    use crate::core::RecordingState;
    let rows = view
        .rows
        .iter()
        .map(|row| {
            let state = match row.state {
                RecordingState::Recording | RecordingState::Complete => "",
                RecordingState::DiskFull => "  (disk full)",
                RecordingState::Failed => "  (write error)",
            };
            let details = format!(
                "{}  {} {}  {} min  {}{state}",
                row.channel,
                text::day(row.start_s),
                text::clock(row.start_s),
                row.length_ms.div_ceil(60_000),
                text::bytes(row.bytes),
            );
            ui::RecordingRow {
                title: row.title.as_str().into(),
                details: details.into(),
                watched: row
                    .position_ms
                    .map_or(0.0, |p| (p as f32 / row.length_ms.max(1) as f32).clamp(0.01, 1.0)),
                recording: row.state == RecordingState::Recording,
                focused: row.focused,
            }
        })
        .collect();
    if let Some(new) = update(tv.get_recordings_rows(), rows) {
        tv.set_recordings_rows(new);
    }
    tv.set_recordings_empty(view.total == 0);
    tv.set_recordings_loading(view.loading);
    tv.set_recordings_free(view.free_bytes.map(text::bytes).unwrap_or_default().into());
    tv.set_recordings_position(if view.total == 0 {
        "".into()
    } else {
        format!("{} / {}", view.position + 1, view.total).into()
    });
    tv.set_recordings_confirm(view.confirm_delete.clone().unwrap_or_default().into());
}

pub fn guide(tv: &ui::Tv<'_>, view: &GuideView) {
    let details = view.details.as_deref().map(DetailsText::from).unwrap_or_default();
    let span = (view.to_s - view.from_s).max(1) as f32;
    let rows = view
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let cells = row
                .cells
                .iter()
                .map(|cell| ui::GuideCell {
                    title: cell
                        .programme
                        .as_ref()
                        .map(|p| p.title.as_str())
                        .unwrap_or_default()
                        .into(),
                    x: (cell.start_s - view.from_s) as f32 / span,
                    width: (cell.stop_s - cell.start_s) as f32 / span,
                    focused: cell.focused,
                    gap: cell.programme.is_none(),
                    airing: cell.programme.as_ref().is_some_and(|p| p.is_on_at(view.now_s)),
                    past: cell.stop_s <= view.now_s,
                    archive: cell.archive,
                })
                .collect();
            ui::GuideRow {
                number: row.channel.number.to_string().into(),
                name: row.channel.name.as_str().into(),
                locked: row.locked,
                focused: i == view.focus_row,
                cells: model(cells),
            }
        })
        .collect();
    if let Some(new) = update(tv.get_guide_rows(), rows) {
        tv.set_guide_rows(new);
    }
    let columns = (view.to_s - view.from_s) / 1800;
    let times: Vec<SharedString> = (0..columns)
        .map(|c| text::clock(view.from_s + c * 1800).into())
        .collect();
    tv.set_guide_times(model(times));
    tv.set_guide_day(text::day(view.from_s).into());
    tv.set_guide_position(format!("{} / {}", view.position + 1, view.total).into());
    tv.set_guide_loaded(view.has_guide);
    tv.set_focused_programme(programme(view.focused.as_ref(), view.now_s));
    let channel = view.focused_channel.as_ref();
    tv.set_focused_channel(
        channel
            .map(|c| format!("{}  {}", c.number, c.name))
            .unwrap_or_default()
            .into(),
    );
    tv.set_focused_description(details.description.as_str().into());
    tv.set_focused_extra(details.extra.as_str().into());
}

pub fn menu(tv: &ui::Tv<'_>, view: &MenuView) {
    tv.set_menu_page(contract::menu_page(view.page));
    if view.page == MenuPage::Phone {
        let url = view
            .items
            .iter()
            .find(|line| line.item == MenuItem::PhoneAddress)
            .map_or("", MenuLine::value_text);
        if tv.get_phone_qr_text() != url {
            tv.set_phone_qr(super::qr::image(url));
            tv.set_phone_qr_text(url.into());
        }
    }
    let items = view
        .items
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut ui_line = contract::menu_value(&line.value);
            ui_line.item = contract::menu_item(line.item);
            ui_line.kind = contract::item_kind(line.item.kind());
            ui_line.focused = i == view.focus;
            ui_line
        })
        .collect();
    if let Some(new) = update(tv.get_menu_items(), items) {
        tv.set_menu_items(new);
    }
    tv.set_keyboard_visible(view.keyboard.is_some());
    let Some(keyboard) = &view.keyboard else {
        return;
    };
    tv.set_keyboard_text(keyboard.text.as_str().into());
    let rows = keyboard
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let keys = row
                .iter()
                .enumerate()
                .map(|(c, key)| {
                    let (label, special) = contract::key(key);
                    ui::Key {
                        label: label.into(),
                        special,
                        focused: r == keyboard.row && c == keyboard.col,
                    }
                })
                .collect();
            ui::KeyRow { keys: model(keys) }
        })
        .collect();
    if let Some(new) = update(tv.get_keyboard_rows(), rows) {
        tv.set_keyboard_rows(new);
    }
}

/// The teletext page: each styled run placed by row and column (rows under a double-height
/// row are already left out).
pub(super) fn teletext(tv: &ui::Tv<'_>, view: &TeletextView) {
    let mut spans = Vec::new();
    for row in &view.rows {
        // A double-height row is drawn over two rows from its first column on.
        let double = row.double_height();
        let mut column = 0;
        for span in &row.spans {
            let length = span.text.chars().count();
            if !span.text.trim().is_empty() || span.style.background != crate::core::Colour::Black {
                spans.push(ui::TeletextSpan {
                    row: i32::from(row.number),
                    column: column as i32,
                    length: length as i32,
                    text: SharedString::from(span.text.as_str()),
                    foreground: contract::subtitle_colour(span.style.foreground),
                    background: contract::subtitle_colour(span.style.background),
                    double_height: double,
                });
            }
            column += length;
        }
    }
    tv.set_teletext_spans(model(spans));
    tv.set_teletext_number(view.number.as_str().into());
    tv.set_teletext_found(view.found);
    tv.set_teletext_subpage(
        view.subpage
            .map(|(i, n)| format!("{i}/{n}"))
            .unwrap_or_default()
            .into(),
    );
    tv.set_teletext_hold(view.hold);
    tv.set_teletext_reveal(view.reveal);
    tv.set_teletext_mix(view.mix);
}
