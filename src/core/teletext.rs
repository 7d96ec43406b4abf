// SPDX-License-Identifier: GPL-3.0-or-later
//! The teletext viewer: TEXT opens the channel's teletext at page 100, over the picture.
//!
//! ```text
//!   live ──TEXT──> page (opaque) ──TEXT──> page over the picture (mix) ──TEXT / BACK──> live
//!   digits: three make a page number     UP/DOWN, CH+/CH−: next/previous page received
//!   LEFT/RIGHT: previous/next subpage     RED/GREEN/YELLOW/BLUE: the page's links (fastext)
//!   OK: hold (the page stops changing)    INFO: reveal concealed text
//! ```
//!
//! The player decodes every page of the channel's teletext PID while the viewer is open and
//! reports each one; the core keeps them (bounded, [`TeletextStore`]) so that paging and
//! subpages answer at once. Without fastext links RED and GREEN go to the previous and
//! next page, as most sets do.

use super::{Action, Core, Effect, PlayerCommand, RequestId};
use crate::mpegts::teletext::{Page, PageNumber, Row, Span, Style, TeletextStore};

/// The page the viewer opens at.
pub const INDEX_PAGE: u16 = 100;

/// Where the viewer is: the page asked for, digits typed, subpage, hold, reveal, mix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeletextNav {
    /// The page shown or searched for (100–899).
    pub page: u16,
    /// Digits typed towards the next page number (fewer than three).
    pub typed: String,
    /// The subcode chosen with LEFT/RIGHT; `None` follows the newest subpage.
    pub subpage: Option<u16>,
    /// The page on screen stops changing.
    pub hold: Option<Box<Page>>,
    pub reveal: bool,
    /// Transparent: the page's background is left out, the picture shows through.
    pub mix: bool,
}

impl TeletextNav {
    fn at(page: u16) -> Self {
        Self {
            page,
            typed: String::new(),
            subpage: None,
            hold: None,
            reveal: false,
            mix: false,
        }
    }
}

/// The viewer as the UI draws it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeletextView {
    /// The page number shown or searched for, or the digits typed so far.
    pub number: String,
    /// Whether the page was received (else the UI says it is searching).
    pub found: bool,
    /// Subpage position (1-based) and count, when the page has several.
    pub subpage: Option<(usize, usize)>,
    /// Rows 0–24 as displayed (row 0 the header), concealed text blank unless revealed.
    pub rows: Vec<Row>,
    pub hold: bool,
    pub reveal: bool,
    pub mix: bool,
}

impl Core {
    /// TEXT on live TV: opens the viewer at the index page and asks the player for pages.
    pub(super) fn open_teletext(&mut self, fx: &mut Vec<Effect>) {
        let Some(request) = self.tune.as_ref().map(|t| t.request) else {
            return;
        };
        self.teletext = TeletextStore::new();
        self.screen = super::Screen::Teletext(TeletextNav::at(INDEX_PAGE));
        self.digits = None;
        self.banner = None;
        fx.push(Effect::Player(PlayerCommand::Teletext { request, open: true }));
    }

    /// Closes the viewer and tells the player to stop decoding pages.
    pub(super) fn close_teletext(&mut self, fx: &mut Vec<Effect>) {
        self.screen = super::Screen::Live;
        self.teletext = TeletextStore::new();
        if let Some(request) = self.tune.as_ref().map(|t| t.request) {
            fx.push(Effect::Player(PlayerCommand::Teletext { request, open: false }));
        }
    }

    /// A page the player decoded for `request`; kept while the viewer is open.
    pub(super) fn teletext_page(&mut self, request: RequestId, page: &Page) {
        let current = self.tune.as_ref().is_some_and(|t| t.request == request);
        if current && matches!(self.screen, super::Screen::Teletext(_)) {
            self.teletext.insert(page);
        }
    }

    pub(super) fn teletext_action(&mut self, action: Action, fx: &mut Vec<Effect>) {
        let super::Screen::Teletext(nav) = &mut self.screen else {
            return;
        };
        let shown = shown_page(&self.teletext, nav).map(|p| p.links);
        let goto = |nav: &mut TeletextNav, page: PageNumber| {
            if let Some(decimal) = page.decimal() {
                *nav = TeletextNav {
                    mix: nav.mix,
                    reveal: nav.reveal,
                    ..TeletextNav::at(decimal)
                };
            }
        };
        let current = PageNumber::from_decimal(nav.page);
        match action {
            Action::Back => self.close_teletext(fx),
            Action::Text if nav.mix => self.close_teletext(fx),
            Action::Text => nav.mix = true,
            Action::Digit(d) if d <= 9 => {
                // Page numbers start with 1–8.
                if nav.typed.is_empty() && !(1..=8).contains(&d) {
                    return;
                }
                nav.typed.push(char::from(b'0' + d));
                if nav.typed.len() == 3 {
                    let page = nav.typed.parse().unwrap_or(INDEX_PAGE);
                    match PageNumber::from_decimal(page) {
                        Some(number) => goto(nav, number),
                        None => nav.typed.clear(),
                    }
                }
            }
            Action::Up | Action::ChannelUp | Action::Down | Action::ChannelDown => {
                let forward = matches!(action, Action::Up | Action::ChannelUp);
                let next = current.and_then(|c| {
                    self.teletext
                        .neighbour(c, forward)
                        .or_else(|| step(nav.page, forward))
                });
                if let Some(next) = next {
                    goto(nav, next);
                }
            }
            Action::Left | Action::Right => {
                let subcodes: Vec<u16> = current
                    .map(|c| self.teletext.subpages(c).iter().map(|p| p.subcode).collect())
                    .unwrap_or_default();
                if subcodes.len() > 1 {
                    let at = nav
                        .subpage
                        .and_then(|s| subcodes.iter().position(|&c| c == s))
                        .unwrap_or(subcodes.len() - 1);
                    let next = if action == Action::Right {
                        (at + 1) % subcodes.len()
                    } else {
                        (at + subcodes.len() - 1) % subcodes.len()
                    };
                    nav.subpage = Some(subcodes[next]);
                    nav.hold = None;
                }
            }
            Action::Red | Action::Green | Action::Yellow | Action::Blue => {
                let index = match action {
                    Action::Red => 0,
                    Action::Green => 1,
                    Action::Yellow => 2,
                    _ => 3,
                };
                let link = shown.and_then(|links| links[index]).or_else(|| match action {
                    Action::Red => step(nav.page, false),
                    Action::Green => step(nav.page, true),
                    _ => None,
                });
                if let Some(link) = link {
                    goto(nav, link);
                }
            }
            Action::Ok => {
                nav.hold = match nav.hold.take() {
                    Some(_) => None,
                    None => shown_page(&self.teletext, nav).cloned().map(Box::new),
                };
            }
            Action::Info => nav.reveal = !nav.reveal,
            _ => {}
        }
    }

    pub(super) fn teletext_view(&self, nav: &TeletextNav) -> TeletextView {
        let page = shown_page(&self.teletext, nav);
        let subpages = PageNumber::from_decimal(nav.page)
            .map(|n| self.teletext.subpages(n))
            .unwrap_or_default();
        let subpage = page
            .filter(|_| subpages.len() > 1)
            .and_then(|p| subpages.iter().position(|s| s.subcode == p.subcode))
            .map(|i| (i + 1, subpages.len()));
        let number = if nav.typed.is_empty() {
            nav.page.to_string()
        } else {
            format!("{:-<3}", nav.typed)
        };
        let rows = page.map(|p| rows_of(p, &number, nav.reveal)).unwrap_or_default();
        TeletextView {
            number,
            found: page.is_some(),
            subpage,
            rows,
            hold: nav.hold.is_some(),
            reveal: nav.reveal,
            mix: nav.mix,
        }
    }
}

/// The page to draw: the held one, else the chosen subpage, else the newest transmission.
fn shown_page<'a>(store: &'a TeletextStore, nav: &'a TeletextNav) -> Option<&'a Page> {
    if let Some(held) = &nav.hold {
        return Some(held);
    }
    let subpages = store.subpages(PageNumber::from_decimal(nav.page)?);
    let chosen = nav
        .subpage
        .and_then(|s| subpages.iter().find(|p| p.subcode == s).copied());
    // Without a choice: the subpage transmitted last (rotating pages rotate on screen).
    chosen.or_else(|| store.latest(PageNumber::from_decimal(nav.page)?))
}

/// The next page number up or down (100–899, wrapping), for pages not received.
fn step(page: u16, forward: bool) -> Option<PageNumber> {
    let next = match (page, forward) {
        (899, true) => 100,
        (100, false) => 899,
        (p, true) => p + 1,
        (p, false) => p - 1,
    };
    PageNumber::from_decimal(next)
}

/// Rows 0–24 of `page` as displayed: the header with `number` in its first columns,
/// concealed text as spaces unless `reveal`.
fn rows_of(page: &Page, number: &str, reveal: bool) -> Vec<Row> {
    let header = page.row(0).map(|row| {
        let text: String = row.text().chars().skip(8).collect();
        Row {
            number: 0,
            spans: vec![Span {
                text: format!("{:<8}{text}", format!(" P{number}")),
                style: Style::default(),
            }],
        }
    });
    let conceal = |mut row: Row| {
        for span in row.spans.iter_mut().filter(|s| s.style.concealed && !reveal) {
            span.text = " ".repeat(span.text.chars().count());
        }
        row
    };
    header
        .into_iter()
        .chain(page.display_rows().into_iter().map(conceal))
        .collect()
}
