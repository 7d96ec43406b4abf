// SPDX-License-Identifier: GPL-3.0-or-later
//! The `zapbox` command: parse the command line, set up logging, dispatch to the app or a tool.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Set-top-box application: multicast IPTV and OTT on a TV, driven by a remote.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// Configuration file (default: ~/.config/zapbox/config.json on a desktop, else /etc/zapbox/config.json).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// More log output (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Start without the cached playlists and guide and say why (the service's fallback after
    /// repeated failures: zapbox-safe-mode.service).
    #[arg(long)]
    safe_mode: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run live test channels (multicast, RTP, HLS) and a guide inside this process, and the TV app on them.
    /// Multicast stays inside a private network namespace.
    Demo {
        /// No window: zap through the channels and print what plays.
        #[arg(long)]
        headless: bool,
        /// With --headless: how long to run.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Only the headend, no app, until stopped: the lineup at http://127.0.0.1:PORT/lineup.m3u for
        /// a zapbox started apart (a box image's zapbox-demo.service). Stays in this network namespace,
        /// which must have no interface up but lo.
        #[arg(long, conflicts_with = "headless")]
        serve: bool,
        /// With --serve: the HTTP port on 127.0.0.1.
        #[arg(long, default_value_t = 8090, requires = "serve")]
        port: u16,
        /// With --headless: open "Set up from your phone" at start, print `pair: URL`, then print what
        /// the TV shows as the phone changes it (no automatic zapping).
        #[arg(long)]
        pair: bool,
        /// With --headless: no automatic zapping; commands from stdin (`up`, `down`, `last`, `tune N`,
        /// `reload`, `refresh-guide`, `quit`), each zap answered once on screen (for `tools/soak`).
        /// Stays in this network namespace, which must have no interface up but lo.
        #[arg(long, requires = "headless", conflicts_with = "pair")]
        control: bool,
        /// With --control: a playlist loaded after the demo's own (repeatable).
        #[arg(long = "playlist", requires = "control")]
        playlists: Vec<String>,
        /// With --control: a guide source besides those the playlists announce (repeatable).
        #[arg(long = "guide", requires = "control")]
        guides: Vec<String>,
        /// With --control: the app's cache directory (playlists, downloads, guide index).
        #[arg(long, requires = "control")]
        app_dir: Option<PathBuf>,
        /// With --pair: how long each pairing code works, in seconds (tests shorten the 5 minutes).
        #[arg(long, default_value_t = 300, hide = true)]
        pair_lifetime_s: u64,
    },
    /// Programme guide tools: ingest XMLTV into the index, print now/next.
    Epg(zapbox::cli::epg::EpgArgs),
    /// Print a channel's catch-up (archive) URL for exactly this start and duration.
    /// Exit status: 0 with the URL, 1 when there is none (with the reason), 2 on bad usage.
    Catchup(zapbox::cli::catchup::CatchupArgs),
    /// Record a multicast/RTP channel (MPEG-TS passthrough) into DIR/<channel>-<start>/ with a JSON sidecar.
    /// Exit status: 0 with the folder, 1 when nothing was recorded, 2 on bad usage.
    Record(zapbox::cli::record::RecordArgs),
    /// Render a screen of the TV interface into a PNG without a display (demo data).
    Screenshot {
        /// live, banner, list, guide, menu, phone, or all (then --out is a directory).
        #[arg(long, default_value = "live")]
        screen: String,
        /// The PNG file (or directory for --screen all).
        #[arg(long)]
        out: PathBuf,
        /// WIDTHxHEIGHT.
        #[arg(long, default_value = "1920x1080")]
        size: String,
        /// Interface language: en or de.
        #[arg(long, default_value = "en")]
        language: String,
        /// The pairing address the phone screen shows as a QR code (default: an example).
        #[arg(long)]
        pair_url: Option<String>,
        /// How subtitle text is drawn, as the menu's subtitles page sets it:
        /// size=small|medium|large,background=on|off,position=bottom|raised|top.
        #[arg(long, default_value = "")]
        subtitle_style: String,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Tools for channel lineups (M3U playlists).
    Lineup {
        #[command(subcommand)]
        command: LineupCommand,
    },
    /// Play one file or URL headless and report what it carries and how it played (a stream
    /// diagnostic). Exit status: 0 played, 1 not (the report says why), 2 bad usage.
    Play {
        /// An MPEG-TS file, or a stream URL (http(s), rtsp, rtmp, udp, rtp).
        input: String,
        /// How a file reaches the player: read by GStreamer, or sent through zapbox's own
        /// multicast path (UDP or RTP) inside a private network namespace.
        #[arg(long, value_enum, default_value = "file")]
        via: zapbox::cli::play::Via,
        /// How long to play.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Preferred audio language (ISO 639, e.g. deu).
        #[arg(long, value_name = "LANG")]
        audio: Option<String>,
        /// Subtitle language, or off.
        #[arg(long, value_name = "LANG|off")]
        subtitles: Option<String>,
        /// Write the frame shown --at seconds after the first one as a PNG.
        #[arg(long, value_name = "OUT.png", requires = "at")]
        snapshot: Option<PathBuf>,
        /// Seconds after the first frame for --snapshot.
        #[arg(long, value_name = "SECONDS")]
        at: Option<f64>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Print the board (and how it was chosen), decoders, sinks, displays, input devices and network interfaces.
    Probe {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// Key press to drawn frame while scrolling the guide (software renderer, no display needed).
    Ui {
        /// Channels in the generated lineup.
        #[arg(long, default_value_t = 5000)]
        channels: usize,
        /// Days of generated guide.
        #[arg(long, default_value_t = 7)]
        days: i64,
        /// Key presses to measure.
        #[arg(long, default_value_t = 300)]
        presses: usize,
        /// Zaps on the demo headend for the blocked-loop figure (0 skips it).
        #[arg(long, default_value_t = 100)]
        zaps: usize,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The app's own peak and steady memory while playing multicast with a large guide loaded,
    /// and after many zaps (the demo headend runs in another process).
    Memory {
        /// Channels in the lineup and the guide.
        #[arg(long, default_value_t = 900)]
        channels: usize,
        /// Days of guide.
        #[arg(long, default_value_t = 14)]
        days: i64,
        /// Zaps between the two steady figures.
        #[arg(long, default_value_t = 200)]
        zaps: usize,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The demo headend alone with a generated guide index, for `bench memory` (which runs it
    /// in a child process).
    #[command(hide = true)]
    Headend {
        #[arg(long)]
        channels: usize,
        #[arg(long)]
        days: i64,
        #[arg(long)]
        guide_dir: PathBuf,
    },
    /// Pause and rewind of live TV: key press to first frame after PLAY, a skip inside the RAM
    /// window, a −5 min skip from the disk window and STOP; the buffer's CPU and write rate;
    /// against a fresh playbin3 seeking in a file. Runs about 6 minutes (the disk window must
    /// reach 5 minutes back).
    Timeline {
        /// Samples of each RAM figure.
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        /// Samples of the −5 min skip from disk.
        #[arg(long, default_value_t = 10)]
        disk_rounds: usize,
        /// Only the always-on buffer's CPU, against a wake per datagram (about 30 s).
        #[arg(long)]
        buffer_only: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// What trick play costs to decode: CPU and pictures a second live, fast forward ×2/×4,
    /// rewind ×2/×4 (every frame) and rewind ×8 (keyframes only) on a demo channel.
    Trick {
        /// Times each mode is run (alternated).
        #[arg(long, default_value_t = 2)]
        rounds: usize,
        /// Seconds each mode is measured.
        #[arg(long, default_value_t = 4)]
        seconds: u64,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Key press to first video frame over many zaps, zapbox against a fresh playbin3 per zap.
    Zap {
        /// Zaps per way (at least 30 for a stable p95).
        #[arg(long, default_value_t = 30)]
        zaps: usize,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum LineupCommand {
    /// Parse and merge playlists; print every channel and every problem with its line.
    /// Exit status: 0 when the lineup is usable, 1 when not, 2 on bad usage.
    Check {
        /// Playlist files or http(s) URLs, merged in this order.
        #[arg(required = true)]
        locations: Vec<String>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    zapbox::system::resources::configure();
    zapbox::system::resources::raise_open_files_limit();
    let cli = Cli::parse();
    // Before any thread exists: a user namespace can only be entered by a single-threaded process.
    let needs_netns = match &cli.command {
        Some(Command::Demo {
            serve: false,
            control: false,
            ..
        })
        | Some(Command::Bench {
            command:
                BenchCommand::Zap { .. }
                | BenchCommand::Memory { .. }
                | BenchCommand::Timeline { .. }
                | BenchCommand::Trick { .. },
        }) => true,
        Some(Command::Bench {
            command: BenchCommand::Ui { zaps, .. },
        }) => *zaps > 0,
        Some(Command::Play {
            via,
            input,
            subtitles,
            ..
        }) => zapbox::cli::play::needs_namespace(zapbox::cli::play::effective_via(
            input,
            *via,
            subtitles.as_deref(),
        )),
        _ => false,
    };
    if needs_netns && let Err(e) = zapbox::system::netns::enter_private_network() {
        eprintln!("zapbox: {e}");
        return ExitCode::FAILURE;
    }
    if matches!(
        cli.command,
        Some(Command::Demo { serve: true, .. } | Command::Demo { control: true, .. })
    ) && let Err(e) = zapbox::system::netns::loopback_only_network()
    {
        eprintln!("zapbox: {e}");
        return ExitCode::FAILURE;
    }
    init_logging(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("zapbox: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Lineup {
            command: LineupCommand::Check { locations, json },
        }) => {
            let mut out = std::io::stdout().lock();
            let usable = zapbox::cli::lineup_check::run(&locations, json, None, &mut out)?;
            Ok(if usable {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Some(Command::Demo {
            serve: true, port, ..
        }) => {
            zapbox::cli::demo::serve(&demo_options(), port, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo {
            headless: true,
            control: true,
            playlists,
            guides,
            app_dir,
            ..
        }) => {
            let control = zapbox::cli::demo::ControlOptions {
                playlists,
                guides,
                app_dir,
            };
            let input = std::io::BufReader::new(std::io::stdin());
            let mut out = std::io::stdout().lock();
            zapbox::cli::demo::run_control(&demo_options(), &control, input, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo {
            headless: true,
            seconds,
            pair: true,
            pair_lifetime_s,
            ..
        }) => {
            let mut out = std::io::stdout().lock();
            let lifetime = std::time::Duration::from_secs(pair_lifetime_s);
            zapbox::cli::demo::run_paired(&demo_options(), seconds, lifetime, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo {
            headless: true,
            seconds,
            ..
        }) => {
            let options = demo_options();
            let mut out = std::io::stdout().lock();
            let timeshift = demo_timeshift(cli.config.as_deref());
            zapbox::cli::demo::run_headless(
                &options,
                timeshift,
                seconds,
                std::time::Duration::from_secs(4),
                &mut out,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo {
            headless: false,
            seconds,
            ..
        }) => {
            if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
                eprintln!("zapbox: no display (DISPLAY/WAYLAND_DISPLAY unset): running the demo headless");
                let mut out = std::io::stdout().lock();
                zapbox::cli::demo::run_headless(
                    &demo_options(),
                    demo_timeshift(cli.config.as_deref()),
                    seconds,
                    std::time::Duration::from_secs(4),
                    &mut out,
                )?;
            } else {
                zapbox::cli::demo::run_window(&demo_options(), demo_timeshift(cli.config.as_deref()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Screenshot {
            screen,
            out,
            size,
            language,
            pair_url,
            subtitle_style,
        }) => {
            let size = zapbox::cli::screenshot::parse_size(&size)?;
            let style = zapbox::cli::screenshot::parse_subtitle_style(&subtitle_style)?;
            let looks = zapbox::cli::screenshot::Looks {
                language: &language,
                pair_url: pair_url.as_deref(),
                subtitles: style,
            };
            for path in zapbox::cli::screenshot::run(&screen, &out, size, &looks)? {
                println!("{}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Play {
            input,
            via,
            seconds,
            audio,
            subtitles,
            snapshot,
            at,
            json,
        }) => {
            let options = zapbox::cli::play::PlayOptions {
                input,
                via,
                seconds,
                audio,
                subtitles,
                snapshot,
                at: at.unwrap_or(0.0),
            };
            zapbox::cli::play::run(&options, json, &mut std::io::stdout().lock())
        }
        Some(Command::Probe { json }) => {
            let clean = zapbox::cli::probe::run(cli.config.as_deref(), json, &mut std::io::stdout().lock())?;
            Ok(if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Some(Command::Epg(args)) => zapbox::cli::epg::run(args, &mut std::io::stdout().lock()),
        Some(Command::Record(args)) => zapbox::cli::record::run(
            &args,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        ),
        Some(Command::Catchup(args)) => zapbox::cli::catchup::run(
            &args,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        ),
        Some(Command::Bench {
            command:
                BenchCommand::Timeline {
                    rounds,
                    disk_rounds,
                    buffer_only,
                    json,
                },
        }) => {
            let bench = zapbox::cli::bench_timeline::TimelineBench {
                rounds,
                disk_rounds,
                buffer_only,
                headend: demo_options(),
            };
            zapbox::cli::bench_timeline::run(&bench, json, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench {
            command:
                BenchCommand::Trick {
                    rounds,
                    seconds,
                    json,
                },
        }) => {
            let bench = zapbox::cli::bench_trick::TrickBench {
                rounds,
                seconds,
                headend: demo_options(),
            };
            zapbox::cli::bench_trick::run(&bench, json, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench {
            command: BenchCommand::Zap { zaps, json },
        }) => {
            let bench = zapbox::cli::bench_zap::ZapBench {
                zaps,
                headend: demo_options(),
                seed: 0x5eed,
            };
            zapbox::cli::bench_zap::run(&bench, json, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench {
            command:
                BenchCommand::Ui {
                    channels,
                    days,
                    presses,
                    zaps,
                    json,
                },
        }) => {
            let bench = zapbox::cli::bench_ui::UiBench {
                channels,
                days,
                presses,
                zaps,
                headend: demo_options(),
                ..Default::default()
            };
            zapbox::cli::bench_ui::run(&bench, json, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench {
            command:
                BenchCommand::Memory {
                    channels,
                    days,
                    zaps,
                    json,
                },
        }) => {
            let bench = zapbox::cli::bench_memory::MemoryBench {
                channels,
                days,
                zaps,
                headend: demo_options(),
            };
            zapbox::cli::bench_memory::run(&bench, json, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench {
            command:
                BenchCommand::Headend {
                    channels,
                    days,
                    guide_dir,
                },
        }) => {
            zapbox::cli::bench_memory::serve_headend(&demo_options(), channels, days, &guide_dir)?;
            Ok(ExitCode::SUCCESS)
        }
        None => zapbox::app::run(cli.config.as_deref(), cli.safe_mode).map(|()| ExitCode::SUCCESS),
    }
}

/// The demo headend: 720p loops cached under the user's cache directory.
fn demo_options() -> zapbox::demo::HeadendOptions {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("zapbox/demo");
    zapbox::demo::HeadendOptions {
        cache_dir: cache,
        width: 1280,
        height: 720,
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level)).init();
}

/// The demo's timeshift settings: the `timeshift` section of `--config` when one is given (so
/// `timeshift.dir` can be tried on the demo), else the defaults.
fn demo_timeshift(config: Option<&std::path::Path>) -> zapbox::player::TimeshiftSettings {
    let Some(path) = config else {
        return zapbox::player::TimeshiftSettings::default();
    };
    let (config, warnings) = zapbox::system::config::load_config(path);
    for warning in warnings {
        eprintln!("zapbox: {warning:?}");
    }
    zapbox::app::timeshift_settings(&config.timeshift)
}
