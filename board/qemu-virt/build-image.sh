#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds a bootable x86_64 Debian 12 system image with zapbox installed from its .deb, as a user would:
#   1. rootfs: debootstrap (minbase) with systemd, udev, Debian's kernel and the GStreamer plugin packages
#      (cached: the slow, network part runs once);
#   2. install: a copy of that rootfs, `apt-get install ./zapbox_*.deb` inside it (the package's Depends,
#      maintainer scripts, unit enabled), the qemu-virt board selected in /etc/zapbox/config.json, the demo
#      headend as the box's lineup (zapbox-demo.service), the demo's pre-encoded loops copied in;
#   3. image: an ext4 disk image of that tree (mkfs.ext4 -d, no loop devices), plus the kernel and initrd
#      taken out of it for QEMU's -kernel/-initrd.
# Then board/qemu-virt/check-box.py boots it and checks the booted box.
#
# Needs root (debootstrap, chroot) and network to the Debian mirror for step 1 and for the package's
# dependencies in step 2. Host packages: debootstrap e2fsprogs.
#
# Usage: board/qemu-virt/build-image.sh [--arch amd64|arm64] DEB
# Environment: ZAPBOX_VM_CACHE (default $HOME/.cache/zapbox/qemu-virt), DEBIAN_MIRROR, IMAGE_SIZE (4G),
#              ZAPBOX_DEMO_LOOPS (the demo's encoded loops, default $HOME/.cache/zapbox/demo).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
ARCH=amd64
if [ "${1:-}" = "--arch" ]; then ARCH=$2; shift 2; fi
BASE_ONLY=0
if [ "${1:-}" = "--base-only" ]; then BASE_ONLY=1; else
  DEB=${1:?usage: build-image.sh [--arch amd64|arm64] zapbox_VERSION_ARCH.deb | --base-only}
  DEB=$(realpath "$DEB")
fi
CACHE=${ZAPBOX_VM_CACHE:-$HOME/.cache/zapbox/qemu-virt}/$ARCH
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
LOOPS=${ZAPBOX_DEMO_LOOPS:-$HOME/.cache/zapbox/demo}
SIZE=${IMAGE_SIZE:-4G}
# amd64 boots Debian 12 (the release the package is built on); arm64 uses sid like the cross-build chroot.
case "$ARCH" in
  amd64) SUITE=bookworm; KERNEL_PKG=linux-image-amd64 ;;
  arm64) SUITE=sid; KERNEL_PKG=linux-image-arm64 ;;
  *) echo "build-image: unknown arch $ARCH" >&2; exit 2 ;;
esac
# debootstrap's own set: only what its simple dependency resolution handles.
BOOTSTRAP_PACKAGES=systemd,systemd-sysv,udev,dbus,kmod,iproute2,procps
# Then through apt inside the rootfs: the kernel and, already, most of what the package's Depends pull in
# (so step 2 is quick).
BASE_PACKAGES=(
  "$KERNEL_PKG" initramfs-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
  gstreamer1.0-alsa libinput10 libgbm1 libxkbcommon0 libfontconfig1 fonts-dejavu-core
)

log() { echo "build-image: $*"; }
[ "$(id -u)" -eq 0 ] || { echo "build-image: needs root (debootstrap, chroot)" >&2; exit 1; }

# A foreign root (arm64 on an x86_64 machine): debootstrap's second stage, apt's maintainer scripts and
# update-initramfs run arm64 programs, through qemu-user and binfmt_misc. Debian's qemu-user-static
# registers the interpreter when systemd runs as PID 1; machines without it (containers, CI) get it
# registered here, from the package's own binfmt.d entry (flag F: the interpreter is opened now, so it
# works inside the chroot).
ensure_binfmt() {
  local name=qemu-aarch64 conf=/usr/lib/binfmt.d/qemu-aarch64.conf
  [ "$ARCH" = arm64 ] && [ "$(uname -m)" != aarch64 ] || return 0
  [ -f "$conf" ] || { echo "build-image: $conf missing (apt-get install qemu-user-static)" >&2; exit 1; }
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  if [ ! -e "/proc/sys/fs/binfmt_misc/$name" ]; then
    log "registering $name with binfmt_misc"
    grep -v '^#' "$conf" > /proc/sys/fs/binfmt_misc/register
  fi
}
ensure_binfmt

MOUNTED=()
cleanup() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTED[$i]}" 2>/dev/null || true; done
  MOUNTED=()
}
trap cleanup EXIT
chroot_mounts() {
  local root=$1 what
  for what in proc sys dev; do
    mount --bind "/$what" "$root/$what"
    MOUNTED+=("$root/$what")
  done
}

# 1. The cached base rootfs.
BASE=$CACHE/rootfs-base
if [ ! -f "$BASE/.complete" ]; then
  log "debootstrap $SUITE ($ARCH) into $BASE"
  rm -rf "$BASE"
  mkdir -p "$CACHE"
  debootstrap --arch="$ARCH" --variant=minbase --include="$BOOTSTRAP_PACKAGES" "$SUITE" "$BASE" "$MIRROR"
  chroot_mounts "$BASE"
  cp /etc/resolv.conf "$BASE/etc/resolv.conf"
  chroot "$BASE" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${BASE_PACKAGES[@]}"
  chroot "$BASE" apt-get clean
  cleanup
  # No login on the display (the TV app owns it), root login on the serial console only for checks.
  chroot "$BASE" passwd -d root
  echo zapbox-box > "$BASE/etc/hostname"
  touch "$BASE/.complete"
fi
[ "$BASE_ONLY" -eq 1 ] && { log "base rootfs ready: $BASE"; exit 0; }

# 2. The installed tree: a fresh copy each run, so the image always shows a clean install of this .deb.
TREE=$CACHE/tree
log "copying the base rootfs to $TREE"
rm -rf "$TREE"
mkdir -p "$TREE"
cp -a "$BASE/." "$TREE/"
rm -f "$TREE/.complete"
cp "$DEB" "$TREE/tmp/"
chroot_mounts "$TREE"
cp /etc/resolv.conf "$TREE/etc/resolv.conf"
log "apt-get install ./$(basename "$DEB")"
# gstreamer1.0-x for the demo headend, not the app: it draws the subtitles of its channel 6 with
# textoverlay (the pango plugin) at every start, and does not start without it.
chroot "$TREE" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  "/tmp/$(basename "$DEB")" gstreamer1.0-x
chroot "$TREE" apt-get clean
rm -f "$TREE/tmp/$(basename "$DEB")"
cleanup

# The box's configuration: this board, the demo headend's lineup and guide on the box itself.
install -d "$TREE/etc/zapbox"
install -m 0644 "$REPO/board/qemu-virt/config.json" "$TREE/etc/zapbox/config.json"
install -m 0644 "$REPO/board/qemu-virt/zapbox-demo.service" "$TREE/etc/systemd/system/zapbox-demo.service"
install -d "$TREE/etc/systemd/system/zapbox.service.d"
install -m 0644 "$REPO/board/qemu-virt/zapbox-after-demo.conf" "$TREE/etc/systemd/system/zapbox.service.d/demo.conf"
install -m 0644 "$REPO/board/qemu-virt/zapbox.default" "$TREE/etc/default/zapbox"
ln -sf /etc/systemd/system/zapbox-demo.service "$TREE/etc/systemd/system/multi-user.target.wants/zapbox-demo.service"
# The demo's loops, encoded once on the host (`zapbox demo --headless --seconds 1` makes them): encoding
# eight 720p channels with x264 under emulation would take long at every boot.
install -d -m 0755 "$TREE/var/cache/zapbox-demo/zapbox/demo"
cp "$LOOPS"/*.ts "$TREE/var/cache/zapbox-demo/zapbox/demo/"
# Root login without password on the serial console (ttyS0 / ttyAMA0) for the checks; no getty on the display.
install -d "$TREE/etc/systemd/system/serial-getty@.service.d"
printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %%I $TERM\n' \
  > "$TREE/etc/systemd/system/serial-getty@.service.d/autologin.conf"
rm -f "$TREE/etc/systemd/system/getty.target.wants/getty@tty1.service"
printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n' > "$TREE/etc/fstab"
# A persistent journal, so the checks read boot times of earlier boots too.
install -d "$TREE/var/log/journal"

# 3. The disk image, kernel and initrd.
OUT=$CACHE/out
mkdir -p "$OUT"
cp "$(ls "$TREE"/boot/vmlinuz-* | sort -V | tail -1)" "$OUT/vmlinuz"
cp "$(ls "$TREE"/boot/initrd.img-* | sort -V | tail -1)" "$OUT/initrd.img"
rm -f "$OUT/disk.img"
truncate -s "$SIZE" "$OUT/disk.img"
mkfs.ext4 -q -L zapbox-root -d "$TREE" "$OUT/disk.img"
log "image: $OUT/disk.img ($(du -sh "$OUT/disk.img" | cut -f1) used), kernel: $OUT/vmlinuz, initrd: $OUT/initrd.img"
