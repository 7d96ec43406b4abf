#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Real arm64 (aarch64-unknown-linux-gnu) build and test of zapbox, with Debian's own toolchain:
#   1. a Debian sid chroot (debootstrap --variant=minbase) in a cache directory, with rustc/cargo,
#      libstd-rust-dev:arm64, gcc-aarch64-linux-gnu and the :arm64 -dev and GStreamer plugin packages;
#   2. `cargo build --target aarch64-unknown-linux-gnu` of the app, the core/parser tests and the
#      decode_smoke example inside that chroot (its own CARGO_TARGET_DIR in the cache);
#   3. the arm64 test binaries and a GStreamer smoke test (generate an H.264 TS, decode frames with
#      avdec_h264) run under qemu-aarch64 user emulation.
# With --deb instead: the arm64 Debian package, `cargo deb --target aarch64-unknown-linux-gnu` (release,
# cargo-deb installed into the chroot's cargo home; dpkg-shlibdeps reads the :arm64 libraries' symbols),
# copied out to $CACHE/deb/, then dist/check-deb on it (no trace of the build's source tree in the binary).
# Prints one "arm64: PASS" or "arm64: FAIL (...)" line at the end and exits non-zero on failure.
#
# Needs root (debootstrap, chroot, mounts) and network to Debian and crates.io for the first run.
# Host packages: debootstrap qemu-user-static. The first run takes long (chroot, then a full cross
# build of slint + gstreamer-rs on two cores); later runs are incremental. Too slow for every CI run.
#
# Usage: board/qemu-arm64/cross-test.sh [--setup-only|--build-only|--deb]
# Environment: ZAPBOX_ARM64_CACHE (default $HOME/.cache/zapbox/arm64), DEBIAN_MIRROR.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${ZAPBOX_ARM64_CACHE:-$HOME/.cache/zapbox/arm64}
CHROOT=$CACHE/sid
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
TARGET=aarch64-unknown-linux-gnu
MODE=${1:-all}
# Integration tests that need neither a network namespace nor a display nor a helper process.
TESTS=(core_zapping core_playback lineup ts epg persistence)
# :arm64 packages: link-time (-dev) for the crate's *-sys dependencies, run-time GStreamer plugins
# for the smoke test (x264enc from -ugly makes the input, avdec_h264 from libav decodes it).
ARM64_PACKAGES=(
  libstd-rust-dev:arm64 libc6-dev:arm64
  libgstreamer1.0-dev:arm64 libgstreamer-plugins-base1.0-dev:arm64 libgstreamer-plugins-bad1.0-dev:arm64
  libfontconfig-dev:arm64 libxkbcommon-dev:arm64 libudev-dev:arm64 libinput-dev:arm64
  libgbm-dev:arm64 libdrm-dev:arm64
  gstreamer1.0-plugins-base:arm64 gstreamer1.0-plugins-good:arm64 gstreamer1.0-plugins-bad:arm64
  gstreamer1.0-plugins-ugly:arm64 gstreamer1.0-libav:arm64
)
HOST_PACKAGES=(rustc cargo gcc gcc-aarch64-linux-gnu pkgconf ca-certificates dpkg-dev)

START=$(date +%s)
STEP=setup
finish() {
  local rc=$?
  cleanup_mounts
  local secs=$(( $(date +%s) - START ))
  if [ "$rc" -eq 0 ]; then
    echo "arm64: PASS (mode $MODE, ${secs}s)"
  else
    echo "arm64: FAIL (step $STEP, exit $rc, ${secs}s)"
  fi
  exit "$rc"
}
trap finish EXIT

log() { echo "arm64: $*"; }

MOUNTED=()
mount_into_chroot() {
  local what
  for what in proc sys dev; do
    if ! mountpoint -q "$CHROOT/$what"; then
      case $what in
        proc) mount -t proc proc "$CHROOT/proc" ;;
        sys) mount -t sysfs sysfs "$CHROOT/sys" ;;
        dev) mount --bind /dev "$CHROOT/dev" ;;
      esac
      MOUNTED+=("$CHROOT/$what")
    fi
  done
}
cleanup_mounts() {
  local m
  for m in "${MOUNTED[@]}"; do umount -l "$m" 2>/dev/null || true; done
  MOUNTED=()
}

PASS_ENV=()
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  [ -n "${!v:-}" ] && PASS_ENV+=("$v=${!v}")
done
in_chroot() {
  chroot "$CHROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 "${PASS_ENV[@]}" "$@"
}

setup_chroot() {
  [ "$(id -u)" -eq 0 ] || { echo "arm64: needs root (debootstrap, chroot)" >&2; return 1; }
  for tool in debootstrap qemu-aarch64-static; do
    command -v "$tool" >/dev/null || { echo "arm64: host tool $tool missing (apt-get install debootstrap qemu-user-static)" >&2; return 1; }
  done
  mkdir -p "$CACHE"
  if [ ! -x "$CHROOT/usr/bin/apt-get" ]; then
    log "debootstrap sid into $CHROOT"
    rm -rf "$CHROOT"
    debootstrap --variant=minbase sid "$CHROOT" "$MIRROR"
  fi
  cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
  cp "$(command -v qemu-aarch64-static)" "$CHROOT/usr/local/bin/qemu-aarch64-static"
  mount_into_chroot
  local wanted="${HOST_PACKAGES[*]} ${ARM64_PACKAGES[*]}"
  if [ "$(cat "$CHROOT/.zapbox-packages" 2>/dev/null)" != "$wanted" ]; then
    log "installing packages in the chroot"
    in_chroot dpkg --add-architecture arm64
    # The sid Release file reachable from some mirrors is past its Valid-Until date.
    in_chroot apt-get -q -o Acquire::Check-Valid-Until=false update
    in_chroot env DEBIAN_FRONTEND=noninteractive apt-get -q -y --no-install-recommends install \
      "${HOST_PACKAGES[@]}" "${ARM64_PACKAGES[@]}"
    echo "$wanted" >"$CHROOT/.zapbox-packages"
  fi
  # Site-local certificate authorities (a TLS-inspecting proxy) must be trusted in the chroot too.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$CHROOT/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$CHROOT/usr/local/share/ca-certificates/"
    in_chroot update-ca-certificates >/dev/null
  fi
  in_chroot rustc --version
  in_chroot cargo --version
}

# Cross-build environment inside the chroot: target-specific pkg-config and linker, own target dir.
CROSS_ENV=(
  CARGO_HOME=/build/cargo-home
  CARGO_TARGET_DIR=/build/target
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64-static -L /"
  CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
  PKG_CONFIG_ALLOW_CROSS=1
  PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig
  CARGO_BUILD_JOBS="$(nproc)"
  CARGO_TERM_COLOR=never
)
# Run-time environment of the emulated binaries: no forked plugin scanner (it is an arm64 binary and
# there is no binfmt_misc), an arm64 registry of its own, no display.
RUN_ENV=(
  GST_REGISTRY_FORK=no
  GST_REGISTRY=/build/gst-registry-arm64.bin
  GST_PLUGIN_SYSTEM_PATH=/usr/lib/aarch64-linux-gnu/gstreamer-1.0
  RUST_BACKTRACE=1
)

sync_source() {
  log "copying the source tree into the chroot"
  mkdir -p "$CHROOT/build/src"
  # tar keeps mtimes, so cargo's fingerprints stay valid between runs.
  find "$CHROOT/build/src" -mindepth 1 -delete
  tar -C "$REPO" --exclude=./.git --exclude=./target -cf - . | tar -C "$CHROOT/build/src" -xf -
}

cross_cargo() {
  in_chroot "${CROSS_ENV[@]}" "${RUN_ENV[@]}" sh -c 'cd /build/src && exec cargo "$@"' cargo "$@"
}

build() {
  STEP=build
  local t0
  t0=$(date +%s)
  local test_args=()
  for t in "${TESTS[@]}"; do test_args+=(--test "$t"); done
  cross_cargo build --target "$TARGET" --bin zapbox --example decode_smoke
  cross_cargo test --no-run --target "$TARGET" --lib "${test_args[@]}"
  log "build took $(( $(date +%s) - t0 ))s"
  file "$CHROOT/build/target/$TARGET/debug/zapbox" 2>/dev/null || true
}

run_tests() {
  STEP=tests
  local t0
  t0=$(date +%s)
  local test_args=()
  for t in "${TESTS[@]}"; do test_args+=(--test "$t"); done
  cross_cargo test --target "$TARGET" --lib "${test_args[@]}"
  log "tests under qemu-aarch64 took $(( $(date +%s) - t0 ))s"
  STEP=smoke
  t0=$(date +%s)
  in_chroot "${RUN_ENV[@]}" qemu-aarch64-static -L / "/build/target/$TARGET/debug/zapbox" --version
  in_chroot "${RUN_ENV[@]}" qemu-aarch64-static -L / "/build/target/$TARGET/debug/examples/decode_smoke" --frames 30
  log "smoke test took $(( $(date +%s) - t0 ))s"
}

# cargo-deb, the version the amd64 package is built with.
CARGO_DEB_VERSION=3.8.0
deb() {
  STEP=deb
  local t0 out
  t0=$(date +%s)
  if [ "$(in_chroot sh -c '/build/cargo-home/bin/cargo-deb --version 2>/dev/null' || true)" != "cargo-deb $CARGO_DEB_VERSION" ]; then
    in_chroot env CARGO_HOME=/build/cargo-home CARGO_TARGET_DIR=/build/target-tools CARGO_BUILD_JOBS="$(nproc)" \
      cargo install --locked --quiet cargo-deb --version "$CARGO_DEB_VERSION"
  fi
  # DEB_HOST_ARCH: dpkg-shlibdeps reads the binary with aarch64-linux-gnu-objdump and the :arm64 symbols files.
  in_chroot "${CROSS_ENV[@]}" DEB_HOST_ARCH=arm64 sh -c 'cd /build/src && exec cargo deb --target "$1"' cargo-deb "$TARGET"
  out=$(ls -t "$CHROOT/build/target/$TARGET/debian/"zapbox_*_arm64.deb 2>/dev/null | head -1)
  [ -n "$out" ] || { echo "arm64: no package was built" >&2; return 1; }
  mkdir -p "$CACHE/deb"
  cp "$out" "$CACHE/deb/"
  log "package: $CACHE/deb/$(basename "$out") ($(( $(date +%s) - t0 ))s)"
  dpkg-deb -f "$CACHE/deb/$(basename "$out")" Package Version Architecture Depends
  STEP=check-deb
  "$REPO/dist/check-deb" "$CACHE/deb/$(basename "$out")" --source /build/src --sysroot "$CHROOT"
}

setup_chroot
[ "$MODE" = "--setup-only" ] && exit 0
sync_source
if [ "$MODE" = "--deb" ]; then deb; exit 0; fi
build
[ "$MODE" = "--build-only" ] && exit 0
run_tests
