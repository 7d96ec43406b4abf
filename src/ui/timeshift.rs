// SPDX-License-Identifier: GPL-3.0-or-later
//! The timeshift bar's geometry: where on the bar the window's start, the picture and the live
//! edge are, as fractions of its span, and the "−12:30" chip. The bar spans the programme at the
//! picture's time when the guide knows it, else the window up to live.

use crate::core::{Direction, TimeshiftView, Trick};

/// Fractions of the bar (0.0 = its start, 1.0 = its end) and its end labels' times.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub buffered_from: f32,
    pub position: f32,
    pub live: f32,
    pub start_s: i64,
    pub end_s: i64,
}

/// Smallest span of a bar without a programme: a minute, so a short window still reads well.
const MIN_SPAN_MS: i64 = 60_000;

pub fn bar(view: &TimeshiftView) -> Bar {
    let live = view.live_utc_ms;
    let window_start = live - i64::try_from(view.buffered_ms).unwrap_or(i64::MAX / 2);
    let (from, to) = match &view.programme {
        Some(p) if p.stop_s > p.start_s => (p.start_s * 1000, p.stop_s * 1000),
        _ => (window_start.min(live - MIN_SPAN_MS), live),
    };
    let span = (to - from).max(1) as f32;
    let at = |ms: i64| ((ms - from) as f32 / span).clamp(0.0, 1.0);
    Bar {
        buffered_from: at(window_start),
        position: at(view.position_utc_ms),
        live: at(live),
        start_s: from.div_euclid(1000),
        end_s: to.div_euclid(1000),
    }
}

/// The trick-play chip: "◀◀ ×8" rewinding, "▶▶ ×4" fast forward; empty at normal speed.
pub fn speed(trick: Option<Trick>) -> String {
    let Some(trick) = trick else {
        return String::new();
    };
    let arrows = match trick.direction {
        Direction::Forward => "▶▶",
        Direction::Backward => "◀◀",
    };
    format!("{arrows} ×{}", trick.speed.factor())
}

/// "−12:30" (or "−1:02:03" past an hour); empty at live.
pub fn behind(ms: u64) -> String {
    let s = ms / 1000;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, 0) => String::new(),
        (0, m, s) => format!("−{m}:{s:02}"),
        (h, m, s) => format!("−{h}:{m:02}:{s:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ProgrammeView;

    fn view(behind_ms: u64, buffered_ms: u64, programme: Option<(i64, i64)>) -> TimeshiftView {
        let live = 1_000_000_000;
        TimeshiftView {
            paused: false,
            behind_live_ms: behind_ms,
            buffered_ms,
            position_utc_ms: live - behind_ms as i64,
            live_utc_ms: live,
            programme: programme.map(|(a, b)| ProgrammeView {
                title: "x".into(),
                start_s: a,
                stop_s: b,
                id: None,
            }),
            bar_visible: true,
            archive: false,
            trick: None,
        }
    }

    #[test]
    fn the_bar_spans_the_programme() {
        // Programme 999_000..1_002_000 s, live at 1_000_000 s: a third aired.
        let b = bar(&view(30_000, 60_000, Some((999_000, 1_002_000))));
        assert!((b.live - 1.0 / 3.0).abs() < 1e-4);
        assert!((b.buffered_from - (940.0 / 3000.0)).abs() < 1e-4);
        assert!((b.position - (970.0 / 3000.0)).abs() < 1e-4);
        assert_eq!((b.start_s, b.end_s), (999_000, 1_002_000));
    }

    #[test]
    fn without_a_programme_the_bar_ends_at_live() {
        let b = bar(&view(15_000, 60_000, None));
        assert_eq!(b.live, 1.0);
        assert_eq!(b.buffered_from, 0.0);
        assert!((b.position - 0.75).abs() < 1e-4);
        let short = bar(&view(0, 20_000, None));
        assert!(
            (short.buffered_from - (40.0 / 60.0)).abs() < 1e-4,
            "a minute at least"
        );
    }

    #[test]
    fn a_window_older_than_the_programme_is_clamped() {
        let b = bar(&view(10_000, 3_600_000, Some((999_990, 1_000_100))));
        assert_eq!(b.buffered_from, 0.0);
        assert!(b.position >= 0.0 && b.position <= b.live);
    }

    #[test]
    fn the_speed() {
        use crate::core::Speed;
        assert_eq!(speed(None), "");
        let rewind = Trick {
            direction: Direction::Backward,
            speed: Speed::X8,
        };
        assert_eq!(speed(Some(rewind)), "◀◀ ×8");
        let forward = Trick {
            direction: Direction::Forward,
            speed: Speed::X32,
        };
        assert_eq!(speed(Some(forward)), "▶▶ ×32");
    }

    #[test]
    fn the_chip() {
        assert_eq!(behind(0), "");
        assert_eq!(behind(999), "");
        assert_eq!(behind(750_400), "−12:30");
        assert_eq!(behind(3_723_000), "−1:02:03");
    }
}
