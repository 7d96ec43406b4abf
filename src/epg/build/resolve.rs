// SPDX-License-Identifier: GPL-3.0-or-later
//! Turns the programmes of every source into one clean timeline per channel: sorted, open
//! stops closed by the next start, duplicates dropped, overlaps within a source cut, and
//! where sources disagree the higher-priority one wins (a lower-priority programme only fills
//! a gap it fits into entirely).
//!
//! Pure and in place: the only extra memory is one channel's programmes at a time.

/// A programme while building: 32 bytes, so a million ([`super::MAX_PROGRAMMES`]) fit in 32 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rec {
    /// Details offset (48 bits, all ones: none) and source number (16 bits).
    pub details_source: u64,
    pub start: u32,
    /// Seconds, or [`OPEN`] when the source gave no stop.
    pub duration: u32,
    pub channel: u32,
    pub title: u32,
    /// Number of its `catchup-id`, or [`NO_CATCHUP_ID`].
    pub catchup_id: u32,
}

/// [`Rec::catchup_id`] of a programme without one.
pub(crate) const NO_CATCHUP_ID: u32 = u32::MAX;

/// Duration of a programme without `stop` until the next one is known.
pub(crate) const OPEN: u32 = u32::MAX;
const OFFSET_BITS: u32 = 48;
const NO_OFFSET: u64 = (1 << OFFSET_BITS) - 1;

impl Rec {
    /// Packs a details offset (`details::NO_DETAILS` for none) with the source number.
    pub fn pack(offset: u64, source: u16) -> u64 {
        let offset = if offset >= NO_OFFSET { NO_OFFSET } else { offset };
        offset << 16 | u64::from(source)
    }

    pub fn source(&self) -> u16 {
        self.details_source as u16
    }

    /// The details offset, `details::NO_DETAILS` for none.
    pub fn details_offset(&self) -> u64 {
        match self.details_source >> 16 {
            NO_OFFSET => crate::guide::details::NO_DETAILS,
            offset => offset,
        }
    }

    fn stop(&self) -> u64 {
        u64::from(self.start) + u64::from(self.duration)
    }
}

/// What was repaired or dropped, for a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Issue {
    /// Same channel, same start, same source: the later one was dropped.
    Duplicate,
    /// It overlapped the next programme of its source and was cut to end there.
    Overlap,
    /// No stop and nothing after it: dropped.
    NoStop,
}

/// Sorts and cleans `recs`; `rank[source]` is 0 for the best source. Calls `report` for each
/// repair, with the programme concerned.
pub(crate) fn resolve(recs: &mut Vec<Rec>, rank: &[u16], report: &mut dyn FnMut(&Rec, Issue)) {
    let rank_of = |r: &Rec| rank.get(usize::from(r.source())).copied().unwrap_or(u16::MAX);
    recs.sort_unstable_by_key(|r| (r.channel, r.start, rank_of(r)));
    let mut write = 0;
    let mut read = 0;
    while read < recs.len() {
        let channel = recs[read].channel;
        let end = read + recs[read..].partition_point(|r| r.channel == channel);
        let run = &mut recs[read..end];
        let first_rank = rank_of(&run[0]);
        let kept = if run.iter().all(|r| rank_of(r) == first_rank) {
            let n = clean_one_source(run, report);
            recs.copy_within(read..read + n, write);
            n
        } else {
            let merged = merge_ranked(run, &rank_of, report);
            recs[write..write + merged.len()].copy_from_slice(&merged);
            merged.len()
        };
        write += kept;
        read = end;
    }
    recs.truncate(write);
}

/// Cleans a start-sorted run from one source (or sources of equal rank) in place; the kept
/// programmes end up at the front and their count is returned.
fn clean_one_source(run: &mut [Rec], report: &mut dyn FnMut(&Rec, Issue)) -> usize {
    let mut kept = 0;
    // First programme with a later start than programme `i`: only moves forward (the run is
    // sorted), so a million programmes with one start cost a million steps, not a million².
    // Writes go to `kept <= i`, so what lies after `i` is still the input.
    let mut later = 0;
    for i in 0..run.len() {
        let mut r = run[i];
        if r.duration == OPEN {
            later = later.max(i + 1);
            while later < run.len() && run[later].start <= r.start {
                later += 1;
            }
            match run.get(later) {
                Some(next) => r.duration = next.start - r.start,
                None => {
                    report(&r, Issue::NoStop);
                    continue;
                }
            }
        }
        if kept > 0 {
            let prev = &mut run[kept - 1];
            if prev.start == r.start {
                report(&r, Issue::Duplicate);
                continue;
            }
            if prev.stop() > u64::from(r.start) {
                report(prev, Issue::Overlap);
                prev.duration = r.start - prev.start;
            }
        }
        run[kept] = r;
        kept += 1;
    }
    kept
}

/// Several ranks on one channel: the best rank's timeline first, then each lower rank adds
/// only programmes that overlap nothing already kept.
fn merge_ranked(
    run: &mut [Rec],
    rank_of: &dyn Fn(&Rec) -> u16,
    report: &mut dyn FnMut(&Rec, Issue),
) -> Vec<Rec> {
    run.sort_unstable_by_key(|r| (rank_of(r), r.start));
    let mut kept: Vec<Rec> = Vec::with_capacity(run.len());
    let mut at = 0;
    while at < run.len() {
        let rank = rank_of(&run[at]);
        let end = at + run[at..].partition_point(|r| rank_of(r) == rank);
        let n = clean_one_source(&mut run[at..end], report);
        let before = kept.len();
        for r in &run[at..at + n] {
            if !overlaps(&kept[..before], r) {
                kept.push(*r);
            }
        }
        kept.sort_unstable_by_key(|r| r.start);
        at = end;
    }
    kept
}

/// Whether `r` overlaps any of `kept` (sorted, non-overlapping).
fn overlaps(kept: &[Rec], r: &Rec) -> bool {
    let i = kept.partition_point(|k| k.stop() <= u64::from(r.start));
    kept.get(i).is_some_and(|k| u64::from(k.start) < r.stop())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(channel: u32, start: u32, duration: u32, source: u16) -> Rec {
        Rec {
            details_source: Rec::pack(crate::guide::details::NO_DETAILS, source),
            start,
            duration,
            channel,
            title: start,
            catchup_id: NO_CATCHUP_ID,
        }
    }

    fn run(mut recs: Vec<Rec>, rank: &[u16]) -> (Vec<(u32, u32, u32)>, Vec<Issue>) {
        let mut issues = Vec::new();
        resolve(&mut recs, rank, &mut |_, i| issues.push(i));
        (
            recs.iter().map(|r| (r.channel, r.start, r.duration)).collect(),
            issues,
        )
    }

    #[test]
    fn one_source_repairs() {
        let (out, issues) = run(
            vec![
                rec(1, 100, OPEN, 0),
                rec(0, 50, 100, 0),
                rec(0, 100, 10, 0),
                rec(0, 100, 20, 0),
                rec(1, 200, OPEN, 0),
            ],
            &[0],
        );
        assert_eq!(out, vec![(0, 50, 50), (0, 100, 10), (1, 100, 100)]);
        assert_eq!(issues, vec![Issue::Overlap, Issue::Duplicate, Issue::NoStop]);
    }

    #[test]
    fn priority_wins_and_lower_fills_gaps() {
        // Source 1 is better (rank 0); source 0 fills 0..100 but its 100..250 overlaps.
        let (out, issues) = run(
            vec![
                rec(0, 0, 100, 0),
                rec(0, 100, 150, 0),
                rec(0, 120, 60, 1),
                rec(0, 300, 60, 0),
            ],
            &[1, 0],
        );
        assert_eq!(out, vec![(0, 0, 100), (0, 120, 60), (0, 300, 60)]);
        assert!(issues.is_empty());
    }

    /// A million programmes without stop and with one start: all but the first are duplicates,
    /// found in one pass (the search for the next start used to rescan them all: quadratic).
    #[test]
    fn equal_open_starts_are_linear() {
        let n = 1_000_000;
        let mut recs: Vec<Rec> = (0..n).map(|_| rec(0, 100, OPEN, 0)).collect();
        recs.push(rec(0, 200, 50, 0));
        let mut steps = 0u64;
        resolve(&mut recs, &[0], &mut |_, _| steps += 1);
        // The first open one runs until 200; the others start with it and are duplicates.
        assert_eq!(recs.len(), 2);
        assert_eq!((recs[0].start, recs[0].duration), (100, 100));
        assert_eq!(steps, n as u64 - 1);
    }

    #[test]
    fn packing() {
        let r = rec(0, 0, 1, 7);
        assert_eq!(r.source(), 7);
        assert_eq!(r.details_offset(), crate::guide::details::NO_DETAILS);
        let r = Rec {
            details_source: Rec::pack(12345, 3),
            ..r
        };
        assert_eq!((r.details_offset(), r.source()), (12345, 3));
    }
}
