// SPDX-License-Identifier: GPL-3.0-or-later
use super::*;
use crate::mpegts::synth::SyntheticProgram;

/// A spill folder under the system's temporary directory, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("zapbox-spill-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sixty seconds of a 25 fps stream with a keyframe every second, pushed a second at a time on a
/// fake arrival clock: whole-GOP segments of 10 s, byte for byte the ring's packets at their
/// positions, every keyframe indexed with its time and PTS, the time cap applied, and the
/// folder gone once the spill is dropped.
#[test]
fn segments_hold_the_ring_bytes_from_keyframes_and_age_out() {
    let temp = TempDir::new("segments");
    let settings = DiskSettings {
        dir: temp.0.clone(),
        max_seconds: 30,
        floor_bytes: 0,
    };
    let mut program = SyntheticProgram::new(25, 1500);
    let mut ring = TsRing::new(200_000);
    let mut stream = Vec::new();
    let first = program.bytes(25);
    ring.push(&first);
    stream.extend_from_slice(&first);
    let start = ring.oldest_keyframe().expect("a keyframe");
    let mut spill = Spill::start(&settings, &ring, start).expect("spill starts");
    let dir = spill.dir().to_path_buf();
    spill.push(&ring, 1_000_000).expect("first chunk");
    for second in 2..=60u64 {
        let bytes = program.bytes(25);
        ring.push(&bytes);
        stream.extend_from_slice(&bytes);
        spill.push(&ring, second * 1_000_000).expect("chunk");
    }
    let head = ring.head();
    wait_until("the writer to catch up", || {
        spill.index().lock().unwrap().end() == Some(head)
    });
    // One more second, after the writer's trim period, applies the time cap.
    std::thread::sleep(TRIM_EVERY + Duration::from_millis(200));
    let bytes = program.bytes(25);
    ring.push(&bytes);
    stream.extend_from_slice(&bytes);
    spill.push(&ring, 61_000_000).expect("chunk");
    let head = ring.head();
    wait_until("the trim", || {
        let index = spill.index().lock().unwrap();
        index.segment_count() <= 4 && index.end() == Some(head)
    });

    let index = spill.index().lock().unwrap();
    let ring_keyframes: Vec<u64> = ring.keyframes().collect();
    let mut total = 0;
    for segment in &index.segments {
        let file = std::fs::read(&segment.path).expect("segment file");
        assert_eq!(
            file.len() as u64,
            (segment.end - segment.first) * TS_PACKET_SIZE as u64
        );
        let from = usize::try_from(segment.first).unwrap() * TS_PACKET_SIZE;
        assert!(
            file == stream[from..from + file.len()],
            "segment {} differs from the stream",
            segment.first
        );
        assert!(
            ring_keyframes.contains(&segment.first),
            "segment {} does not start at a keyframe",
            segment.first
        );
        let span = segment.last_arrived_us - segment.first_arrived_us;
        assert!(
            span <= (SEGMENT_SECONDS + 1) * 1_000_000,
            "a segment spans {span} µs"
        );
        assert!(segment.keyframes.iter().all(|k| k.pts == Some(0) && k.utc_ms > 0));
        total += segment.keyframes.len();
    }
    // Segments are contiguous.
    for pair in index.segments.iter().collect::<Vec<_>>().windows(2) {
        assert_eq!(pair[0].end, pair[1].first);
    }
    // The time cap: at least 30 s are kept, at most one segment more.
    let oldest = index.oldest_keyframe().expect("keyframes");
    let kept_s = (61_000_000 - oldest.arrived_us) / 1_000_000;
    assert!((30..=41).contains(&kept_s), "{kept_s} s kept");
    assert_eq!(total, index.keyframes().count());
    assert_eq!(
        index.keyframes().count() as u64,
        kept_s + 1,
        "one keyframe a second, both ends kept"
    );
    // Lookups by position and by arrival time.
    let middle = index.keyframes().nth(5).copied().expect("a keyframe");
    assert_eq!(
        index.keyframe_before(middle.position + 3).map(|k| k.position),
        Some(middle.position)
    );
    // Everything up to the end of the chunk that brought the keyframe had arrived by then.
    let arrived = index.position_at(middle.arrived_us).expect("indexed");
    assert!(arrived > middle.position && index.time_of(middle.position) == Some(middle.arrived_us));
    let mut open = OpenSegment::default();
    let mut out = Vec::new();
    let read = open
        .read(&index, middle.position, u64::MAX, 10, &mut out)
        .expect("read");
    assert_eq!(read, 10);
    let at = usize::try_from(middle.position).unwrap() * TS_PACKET_SIZE;
    assert_eq!(out, stream[at..at + 10 * TS_PACKET_SIZE]);
    drop(index);

    drop(spill);
    wait_until("the folder to be removed", || !dir.exists());
}

/// A spill that cannot leave the free-space floor gives up with `Full`, and deletes its files.
#[test]
fn under_the_free_space_floor_the_spill_gives_up() {
    let temp = TempDir::new("floor");
    let settings = DiskSettings {
        dir: temp.0.clone(),
        max_seconds: 3600,
        floor_bytes: u64::MAX,
    };
    let mut program = SyntheticProgram::new(25, 1500);
    let mut ring = TsRing::new(100_000);
    ring.push(&program.bytes(50));
    let start = ring.oldest_keyframe().expect("a keyframe");
    let mut spill = Spill::start(&settings, &ring, start).expect("spill starts");
    let dir = spill.dir().to_path_buf();
    spill.push(&ring, 1_000_000).expect("first chunk");
    let mut outcome = Ok(());
    let until = Instant::now() + Duration::from_secs(10);
    for second in 2.. {
        ring.push(&program.bytes(25));
        outcome = spill.push(&ring, second * 1_000_000);
        if outcome.is_err() || Instant::now() > until {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(outcome, Err(DiskProblem::Full));
    wait_until("the folder to be removed", || !dir.exists());
}

/// At start, folders of processes that no longer run go; this process's and others stay.
#[test]
fn stale_folders_of_dead_processes_are_removed() {
    let temp = TempDir::new("stale");
    // Above the kernel's largest pid (4194304): never a running process.
    let dead = temp.0.join(format!("{DIR_PREFIX}4194399-3"));
    let own = temp.0.join(format!("{DIR_PREFIX}{}-0", std::process::id()));
    let other = temp.0.join("recordings");
    for dir in [&dead, &own, &other] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("0000000000000000.ts"), b"x").unwrap();
    }
    clean_stale(&temp.0);
    assert!(!dead.exists());
    assert!(own.exists() && other.exists());
}
