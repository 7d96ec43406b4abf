// SPDX-License-Identifier: GPL-3.0-or-later
//! HLS origin faults, played through the whole shell (core phases and notices, the real player,
//! hlsdemux2 fetching from the demo headend's HTTP origin over a real socket): a burst of 404s, a
//! playlist that stops updating, an origin restart that begins the media sequence again at 0, and
//! segments trickled at an eighth of their bitrate. In each, the viewer presses nothing: the
//! picture must come back by itself, a notice must say why it stands still while it does, and the
//! channel must never be declared unplayable.
//!
//! The player runs about four segments (8 s) behind the origin's live edge, so a fault shows on
//! screen only once that buffer has played out (8–12 s, depending on where in a segment the
//! fault begins): faults last 14–16 s.

use super::*;
use zapbox::demo::HlsFault;

/// How long a fault lasts.
const FAULT: Duration = Duration::from_secs(16);
/// How long the playlist stays frozen: long enough to play out the buffer and show the stall
/// (at 10–11 s here), short enough to end before the core's rebuild (6 s after the stall), so the
/// running pipeline's own recovery is what is timed.
const FROZEN: Duration = Duration::from_secs(14);
/// How long the picture may take to come back once the origin serves normally again (the retry
/// backoff is capped at 8 s; then a playlist, a segment and a first frame).
const RECOVER: Duration = Duration::from_secs(20);

/// Switches the origin back to normal however the case ends (the fixture is shared).
struct Healed<'a>(&'a Headend);

impl Drop for Healed<'_> {
    fn drop(&mut self) {
        self.0.set_hls_fault(HlsFault::None);
    }
}

/// A shell playing the demo's HLS channel (8), with its frame counter.
struct Watch {
    shell: Shell,
    rx: mpsc::Receiver<Event>,
    frames: Arc<AtomicUsize>,
    /// Notices seen since the fault began, in order, without repeats.
    notices: Vec<Notice>,
    /// When each of them was first shown, in ms after the fault began.
    shown_ms: Vec<u128>,
    began: Instant,
}

impl Watch {
    fn start(f: &Fixture) -> Result<Self, String> {
        let (mut shell, rx, frames) = counted_shell(f, Settings::default())?;
        shell.handle(Event::Action(Action::Digit(8)));
        run_until(&mut shell, &rx, Duration::from_secs(30), playing)
            .map_err(|e| format!("channel 8 does not play: {e}"))?;
        let mut watch = Self {
            shell,
            rx,
            frames,
            notices: Vec::new(),
            shown_ms: Vec::new(),
            began: Instant::now(),
        };
        // Playing at full speed before the fault.
        watch.smooth(Duration::from_secs(10))?;
        watch.notices.clear();
        watch.shown_ms.clear();
        watch.began = Instant::now();
        Ok(watch)
    }

    /// Handles events for `span`, recording notices; fails if the channel is declared unplayable.
    fn pass(&mut self, span: Duration) -> Result<(), String> {
        let end = Instant::now() + span;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            if let Ok(event) = self.rx.recv_timeout(left.min(Duration::from_millis(20))) {
                self.shell.handle(event);
            }
            self.check()?;
        }
        Ok(())
    }

    fn check(&mut self) -> Result<(), String> {
        let view = self.shell.view();
        if let Some(Phase::Failed { reason }) = view.phase {
            return Err(format!(
                "the channel was given up: {reason} (notices {:?})",
                self.notices
            ));
        }
        if let Some(notice) = view.notice
            && self.notices.last() != Some(&notice)
        {
            self.notices.push(notice);
            self.shown_ms.push(self.began.elapsed().as_millis());
        }
        Ok(())
    }

    /// Waits (up to `within`) for a second of full-speed picture with no notice, phase Playing;
    /// returns when that second began (it ended a second later).
    fn smooth(&mut self, within: Duration) -> Result<Duration, String> {
        let start = Instant::now();
        let mut since: Option<(Instant, usize)> = None;
        while start.elapsed() < within {
            if let Ok(event) = self.rx.recv_timeout(Duration::from_millis(20)) {
                self.shell.handle(event);
            }
            self.check()?;
            let view = self.shell.view();
            let fine = view.phase == Some(Phase::Playing) && view.notice.is_none();
            let frames = self.frames.load(Ordering::SeqCst);
            match since {
                _ if !fine => since = None,
                None => since = Some((Instant::now(), frames)),
                // The demo's 25 fps: at least 20 frames in the second.
                Some((at, before)) if at.elapsed() >= Duration::from_secs(1) => {
                    if frames - before >= 20 {
                        return Ok(at - start);
                    }
                    since = Some((Instant::now(), frames));
                }
                Some(_) => {}
            }
        }
        Err(format!(
            "no smooth picture within {} s: phase {:?}, notices {:?}",
            within.as_secs(),
            self.shell.view().phase,
            self.notices
        ))
    }

    /// Whether a notice that explains a standing picture was shown.
    fn timeline(&self) -> String {
        let shown: Vec<String> = self
            .notices
            .iter()
            .zip(&self.shown_ms)
            .map(|(n, ms)| format!("{n:?} at {ms} ms"))
            .collect();
        shown.join(", ")
    }

    fn explained(&self) -> bool {
        self.notices.iter().any(|n| {
            matches!(
                n,
                Notice::Buffering | Notice::NoSignal | Notice::Reconnecting { .. }
            )
        })
    }
}

/// A fault that lasts `span`: it must be explained on screen, then the picture must come back.
fn lasting(f: &Fixture, name: &str, fault: HlsFault, span: Duration, want: &[Notice]) -> Result<(), String> {
    let mut watch = Watch::start(f)?;
    let healed = Healed(&f.headend);
    f.headend.set_hls_fault(fault);
    watch.pass(span)?;
    drop(healed);
    let back = watch.smooth(RECOVER)?;
    println!(
        "  {name} for {} s: {}; smooth picture {} ms after the origin was healthy again",
        span.as_secs(),
        watch.timeline(),
        back.as_millis()
    );
    if !watch.explained() {
        return Err(format!("{name}: the standing picture was never explained"));
    }
    if !want.iter().any(|n| watch.notices.contains(n)) {
        return Err(format!("{name}: none of {want:?} shown: {:?}", watch.notices));
    }
    Ok(())
}

pub fn not_found_burst(f: &Fixture) -> Result<(), String> {
    lasting(
        f,
        "404 burst",
        HlsFault::NotFound,
        FAULT,
        &[Notice::Buffering, Notice::Reconnecting { attempt: 1 }],
    )
}

pub fn frozen_playlist(f: &Fixture) -> Result<(), String> {
    lasting(
        f,
        "stalled playlist",
        HlsFault::Frozen,
        FROZEN,
        &[Notice::Buffering],
    )
}

pub fn slow_segments(f: &Fixture) -> Result<(), String> {
    let bytes_per_second = (f.headend.hls_bytes_per_second() / 8) as u32;
    lasting(
        f,
        "segments at 1/8 of their bitrate",
        HlsFault::Slow { bytes_per_second },
        FAULT,
        &[Notice::Buffering],
    )
}

/// The origin restarts: media sequence 0, timestamps from the start. The old pipeline plays out
/// what it buffered; then either it follows the new sequence, or the standing picture is explained
/// and the picture comes back (timed from the restart).
pub fn sequence_reset(f: &Fixture) -> Result<(), String> {
    let mut watch = Watch::start(f)?;
    let restarted = Instant::now();
    f.headend.restart_hls();
    let end = Instant::now() + FAULT;
    while !watch.explained() && Instant::now() < end {
        watch.pass(Duration::from_millis(100))?;
    }
    watch.smooth(RECOVER)?;
    println!(
        "  media sequence reset: {}; smooth picture {} ms after the restart",
        watch.timeline(),
        restarted.elapsed().as_millis() - 1000
    );
    Ok(())
}
