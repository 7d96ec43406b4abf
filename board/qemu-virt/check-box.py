#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Boots the qemu-virt box image (board/qemu-virt/build-image.sh) under QEMU and checks it as a viewer and an
integrator would see it. Prints PASS/FAIL per check and overall; exits non-zero when a check fails.

  board/qemu-virt/check-box.py [--cycles 20] [--out DIR] [--keep-running]
  board/qemu-virt/check-box.py --boot-only        boot, print how to reach QMP and the console, wait
  board/qemu-virt/check-box.py --power-only       only the power cuts
  board/qemu-virt/check-box.py --arch arm64       the same for the aarch64 image (qemu-system-aarch64 -M virt)

The machine: qemu-system-x86_64 -M q35 (TCG: no KVM here), Debian's kernel and initrd, the ext4 image as a
virtio disk, -device virtio-gpu-pci (zapbox draws on it through DRM/KMS), -device virtio-keyboard-pci (the
board profile names it as the remote; QMP send-key types on it), an intel-hda sound card without a host
backend, no network card (the demo headend plays multicast on the box's lo), the serial console (root
auto-login, how the checks run commands) and QMP (screendump, send-key, quit as a power cut).

Checks:
  active          systemctl is-active zapbox after boot; READY (ActiveEnterTimestamp of the Type=notify unit)
  boot times      kernel start to READY and to the first video frame (zapbox's "first frame" journal line)
  screen          a QMP screendump is the TV interface with live video: not black, many colours (not a
                  text console), and a second dump 5 s later differs (moving video); saved as PNG
  keys            QMP send-key through the guest's evdev: PgUp (CH+) tunes the next channel (journal), g
                  (GUIDE) opens the guide (the screen changes over most of its area), Esc closes it
  remote          zapbox holds the virtio keyboard's grab (a second EVIOCGRAB fails with EBUSY), so its keys
                  reach zapbox's evdev reader only; VOLUME DOWN/UP change the volume saved in the state file
  watchdog        kill -STOP of zapbox: systemd restarts it within WatchdogSec + 10 s, on the same channel
  security        systemd-analyze security zapbox.service in the guest; the rating is recorded
  identity        the process runs as user zapbox, with empty capability sets
  writes          nothing owned by zapbox outside /var/lib/zapbox and /var/cache/zapbox; the only writable
                  mounts in its namespace are those directories, its runtime directory and private /tmp
  power cuts      N boots, each cut (QMP quit) at a random moment of its window: about a third while
                  booting (QEMU's start to just after the first frame), the others among zaps and volume
                  changes, during the burst or before, during or after its save (a watcher in the guest
                  prints each state write to the console; every cut is logged with its moment after the
                  last key and the last save seen): every boot comes up with a valid state file and
                  config, on the channel of one of the last two saves seen or of a later zap; some cuts
                  must come with the save due and some after it, so the campaign shows both

Python 3 standard library only. Needs qemu-system-x86_64 (qemu-system-aarch64 for --arch arm64); the image in
$ZAPBOX_VM_CACHE/ARCH/out.
"""
import argparse
import json
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

CACHE = Path(os.environ.get("ZAPBOX_VM_CACHE", Path.home() / ".cache/zapbox/qemu-virt")) / "amd64" / "out"
WATCHDOG_SEC = 20
PROMPT = re.compile(rb"root@[\w-]+:[^\n]*# $")


ARCH = "amd64"

# Terminal control sequences on the console: Debian sid's systemd and shell profile mark every prompt and
# command with OSC 3008 context sequences (`ESC ] 3008;start=...;type=command;... ESC \`), query the
# terminal (CSI 6n, CSI 18t, DECRQSS as DCS) and switch bracketed paste around each prompt. They arrive in
# the middle of lines the checks parse (a unit property, a journal line, the prompt), so they are taken out
# of the console stream before any matching: OSC and DCS/SOS/PM/APC strings up to BEL or ST, CSI sequences,
# and the two-byte escapes (ESC 7, ESC 8, a lone ST, ...).
ESCAPE = re.compile(rb"\x1b(?:[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)|\[[0-?]*[ -/]*[@-~]|[ -/]*[0-OQ-WYZ\\`-~])")
# A sequence not yet complete at the end of what arrived: held back until the rest comes.
ESCAPE_TAIL = re.compile(rb"\x1b(?:[\]PX^_][^\x07\x1b]*\x1b?|\[[0-?]*[ -/]*|[ -/]*)\Z")


class ConsoleFilter:
    """Takes terminal control sequences out of the console's bytes, across reads that split one."""

    def __init__(self):
        self.pending = b""

    def feed(self, chunk: bytes) -> bytes:
        data = ESCAPE.sub(b"", self.pending + chunk)
        tail = ESCAPE_TAIL.search(data)
        # A string sequence that never ends (a lost ST) is let through after 4 KiB rather than held forever.
        if tail and len(data) - tail.start() < 4096:
            data, self.pending = data[:tail.start()], data[tail.start():]
        else:
            self.pending = b""
        return data


class Vm:
    """One QEMU run: serial console (a root shell) and QMP, both over unix sockets."""

    def __init__(self, image_dir: Path, work: Path, name: str):
        self.work = work
        self.qmp_path = work / f"{name}.qmp"
        self.serial_path = work / f"{name}.serial"
        self.log_path = work / f"{name}-console.log"
        for p in (self.qmp_path, self.serial_path):
            p.unlink(missing_ok=True)
        # x86_64: q35 with the PC serial port; aarch64: virt with its PL011 (Debian's arm64 kernel boots
        # directly with -kernel, no firmware).
        machine = (["qemu-system-x86_64", "-machine", "q35"] if ARCH == "amd64"
                   else ["qemu-system-aarch64", "-machine", "virt"])
        console = "ttyS0" if ARCH == "amd64" else "ttyAMA0"
        cmd = machine + [
            # aarch64: pointer authentication with QEMU's cheap implementation-defined algorithm (the
            # architected QARMA costs a large share of emulated time).
            "-accel", "tcg", "-cpu", "max" if ARCH == "amd64" else "max,pauth-impdef=on",
            "-smp", "2", "-m", "2048",
            "-kernel", str(image_dir / "vmlinuz"), "-initrd", str(image_dir / "initrd.img"),
            "-append", f"root=/dev/vda rw console={console},115200 quiet loglevel=3 systemd.show_status=false "
                       # The timer check fails spuriously when TCG runs on a loaded host ("IO-APIC + timer
                       # doesn't work!" panic).
                       "no_timer_check net.ifnames=0",
            "-drive", f"file={image_dir / 'disk.img'},if=virtio,format=raw,cache=writeback",
            "-device", "virtio-gpu-pci", "-device", "virtio-keyboard-pci",
            "-audiodev", "none,id=snd0", "-device", "intel-hda", "-device", "hda-output,audiodev=snd0",
            # -vga none: q35 would add a standard VGA too, and screendump would show its text console.
            "-vga", "none", "-nic", "none", "-display", "none", "-no-reboot",
            "-chardev", f"socket,id=ser0,path={self.serial_path},server=on,wait=off,logfile={self.log_path}",
            "-serial", "chardev:ser0",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
        ]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(work / f"{name}-qemu.err", "wb"))
        self.started = time.monotonic()
        self.qmp = self._connect(self.qmp_path)
        self.qmp_file = self.qmp.makefile("rwb")
        self._qmp_read()  # greeting
        self.command("qmp_capabilities")
        self.serial = self._connect(self.serial_path)
        self.filter = ConsoleFilter()
        self.buffer = b""

    def recv(self) -> bytes:
        """What the console printed since the last read, without terminal control sequences; b"" when it
        closed (raises socket.timeout or BlockingIOError as the socket's mode says)."""
        while True:
            chunk = self.serial.recv(65536)
            if not chunk:
                return b""
            data = self.filter.feed(chunk)
            if data:
                return data

    def _connect(self, path: Path) -> socket.socket:
        deadline = time.monotonic() + 30
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(str(path))
                return s
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"QEMU did not open {path} (see {self.work})")
                time.sleep(0.2)

    def _qmp_read(self) -> dict:
        while True:
            line = self.qmp_file.readline()
            if not line:
                raise RuntimeError("QMP closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def command(self, name: str, **arguments) -> dict:
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.qmp_file.write(json.dumps(msg).encode() + b"\n")
        self.qmp_file.flush()
        reply = self._qmp_read()
        if "error" in reply:
            raise RuntimeError(f"QMP {name}: {reply['error']}")
        return reply.get("return", {})

    def key(self, qcode: str) -> None:
        self.command("send-key", keys=[{"type": "qcode", "data": qcode}], **{"hold-time": 80})

    def screendump(self, path: Path) -> "Image":
        ppm = path.with_suffix(".ppm")
        self.command("screendump", filename=str(ppm))
        image = Image.read_ppm(ppm)
        ppm.unlink()
        image.write_png(path)
        return image

    def _read_until(self, pattern: re.Pattern, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        self.serial.settimeout(0.5)
        while True:
            m = pattern.search(self.buffer)
            if m:
                self.buffer = self.buffer[m.end():]
                return m
            if time.monotonic() > deadline:
                raise TimeoutError(f"console: no {pattern.pattern!r} within {timeout:.0f} s")
            try:
                chunk = self.recv()
                if not chunk:
                    raise RuntimeError("console closed")
                self.buffer += chunk
            except socket.timeout:
                pass

    def login(self, timeout: float = 480) -> float:
        """Waits for the auto-login root shell; returns seconds since QEMU started."""
        deadline = time.monotonic() + timeout
        while True:
            self.serial.sendall(b"\n")
            try:
                self._read_until(PROMPT, 5)
                break
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise
        self.drain()
        self.sh("stty -echo; export PAGER=cat SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 TERM=dumb COLUMNS=200")
        return time.monotonic() - self.started

    def drain(self) -> None:
        """Drops what the console printed so far (prompts of the blank lines login sent)."""
        time.sleep(1)
        self.serial.settimeout(0.5)
        try:
            while self.recv():
                pass
        except socket.timeout:
            pass
        self.buffer = b""

    def sh(self, cmd: str, timeout: float = 60) -> str:
        """Runs a shell command in the guest; returns its output (stdout and stderr)."""
        marker = f"@@{random.randrange(1 << 30)}@@"
        self.serial.sendall(f"{cmd} 2>&1; echo {marker}$?{marker[:2]}\n".encode())
        m = self._read_until(re.compile(rb"(.*?)" + re.escape(marker.encode()) + rb"(\d+)@@", re.S), timeout)
        out = m.group(1).decode(errors="replace").replace("\r", "")
        self.rc = int(m.group(2))
        # The prompt that follows, so the next command's output starts clean.
        try:
            self._read_until(PROMPT, 10)
        except TimeoutError:
            pass
        # Drop the echoed command line, if the terminal still echoed it, and any stray prompt.
        out = out.split(f"{marker}$?", 1)[-1].lstrip("\n") if marker in out else out
        return re.sub(r"root@[\w-]+:[^\n#]*# ", "", out)

    def quit(self) -> None:
        try:
            self.command("quit")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Image:
    def __init__(self, width: int, height: int, rgb: bytes):
        self.width, self.height, self.rgb = width, height, rgb

    @staticmethod
    def read_ppm(path: Path) -> "Image":
        data = path.read_bytes()
        fields, pos = [], 0
        while len(fields) < 4:
            while data[pos:pos + 1].isspace():
                pos += 1
            if data[pos:pos + 1] == b"#":
                pos = data.index(b"\n", pos) + 1
                continue
            end = pos
            while not data[end:end + 1].isspace():
                end += 1
            fields.append(data[pos:end])
            pos = end
        if fields[0] != b"P6" or fields[3] != b"255":
            raise ValueError(f"{path}: not an 8-bit P6 PPM")
        w, h = int(fields[1]), int(fields[2])
        return Image(w, h, data[pos + 1:pos + 1 + w * h * 3])

    def write_png(self, path: Path) -> None:
        def chunk(kind: bytes, body: bytes) -> bytes:
            return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        stride = self.width * 3
        raw = b"".join(b"\0" + self.rgb[y * stride:(y + 1) * stride] for y in range(self.height))
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.width, self.height,
                                                                           8, 2, 0, 0, 0))
                         + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))

    def stats(self) -> tuple[float, int]:
        """(fraction of lit pixels, distinct colours), on every 4th pixel."""
        lit, colours, n = 0, set(), 0
        for i in range(0, len(self.rgb) - 2, 12):
            r, g, b = self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]
            n += 1
            if r + g + b > 60:
                lit += 1
            colours.add((r >> 2, g >> 2, b >> 2))
        return lit / max(n, 1), len(colours)

    def panel(self) -> float:
        """Fraction of pixels (every 4th) in the theme's dark blue-grey panel colours (ui/theme.slint): the
        guide covers about half the screen with them, live video (the demo's loops) next to none."""
        hits, n = 0, 0
        for i in range(0, len(self.rgb) - 2, 12):
            r, g, b = self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]
            n += 1
            if r < 64 and g < 80 and 16 <= b <= 110 and b >= r + 12 and b >= g + 6:
                hits += 1
        return hits / max(n, 1)

    def changed(self, other: "Image") -> float:
        """Fraction of pixels (every 4th) that differ by more than a little."""
        if (self.width, self.height) != (other.width, other.height):
            return 1.0
        diff, n = 0, 0
        a, b = self.rgb, other.rgb
        for i in range(0, len(a) - 2, 12):
            n += 1
            if abs(a[i] - b[i]) + abs(a[i + 1] - b[i + 1]) + abs(a[i + 2] - b[i + 2]) > 30:
                diff += 1
        return diff / max(n, 1)


class Report:
    def __init__(self):
        self.results: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str) -> bool:
        self.results.append((name, ok, detail))
        print(f"box: {'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)
        return ok


def first_frames(vm: Vm) -> list[tuple[float, int]]:
    """(monotonic seconds, channel number) of zapbox's "first frame" lines in this boot's journal."""
    out = vm.sh("journalctl -b -o short-monotonic --no-hostname -u zapbox | grep 'first frame: channel'")
    frames = []
    for m in re.finditer(r"\[\s*([\d.]+)\].*first frame: channel (\d+)", out):
        frames.append((float(m.group(1)), int(m.group(2))))
    return frames


def wait_for(predicate, timeout: float, step: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(step)


def unit_prop(vm: Vm, prop: str) -> str:
    return vm.sh(f"systemctl show -p {prop} --value zapbox").strip()


def wait_ready(vm: Vm, timeout: float = 480) -> bool:
    return bool(wait_for(lambda: vm.sh("systemctl is-active zapbox").strip() == "active", timeout, 2))


def boot(image_dir: Path, work: Path, name: str) -> Vm:
    vm = Vm(image_dir, work, name)
    vm.login()
    return vm


# EVIOCGRAB = _IOW('E', 0x90, int): a second grab of a device zapbox holds fails with EBUSY.
GRAB_PROBE = ("perl -e 'open(F, \"<\", $ARGV[0]) or die \"open: $!\\n\"; "
              "print ioctl(F, 0x40044590, 1) ? \"free\\n\" : \"$!\\n\"' ")


def saved_volume(vm: Vm) -> int | None:
    try:
        return json.loads(vm.sh(f"cat {STATE}")).get("volume_percent")
    except ValueError:
        return None


def remote_check(vm: Vm) -> tuple[bool, str]:
    """The virtio keyboard grabbed by zapbox (a second grab fails with EBUSY) and held open by its process;
    VOLUME DOWN/UP sent with send-key change the volume in the state file (its debounced save)."""
    devices = vm.sh("cat /proc/bus/input/devices")
    block = next((b for b in devices.split("\n\n") if 'N: Name="QEMU Virtio Keyboard"' in b), "")
    node = re.search(r"\b(event\d+)\b", block)
    if not node:
        return False, "no QEMU Virtio Keyboard in /proc/bus/input/devices"
    path = f"/dev/input/{node.group(1)}"
    grab = vm.sh(GRAB_PROBE + path).strip()
    pid = unit_prop(vm, "MainPID")
    held = path in vm.sh(f"ls -l /proc/{pid}/fd")
    grabbed = "busy" in grab.lower()
    start = saved_volume(vm)
    if start is None:
        return False, f"{path}: second grab {grab!r}; no volume in {STATE}"
    key, step = ("volumedown", -VOLUME_STEP) if start >= 50 else ("volumeup", VOLUME_STEP)
    for _ in range(2):
        vm.key(key)
        time.sleep(0.5)
    expected = max(0, min(100, start + 2 * step))
    t0 = time.monotonic()
    # The save comes 2 s after the last change, seconds later on a loaded host under TCG.
    got = wait_for(lambda: (v := saved_volume(vm)) == expected and v, 90, 2) or saved_volume(vm)
    ok = grabbed and held and got == expected
    return ok, (f"{path} held by zapbox ({pid}): {held}, a second EVIOCGRAB: {grab!r}; {key} x2: saved volume "
                f"{start} -> {got} % (expected {expected}, seen after {time.monotonic() - t0:.0f} s)")


def main_checks(args, report: Report, work: Path, out: Path) -> None:
    vm = boot(args.image, work, "boot")
    try:
        # 1. Active and READY, boot times.
        active = wait_ready(vm)
        report.check("active", active, f"systemctl is-active zapbox: {vm.sh('systemctl is-active zapbox').strip()}")
        ready_us = int(unit_prop(vm, "ActiveEnterTimestampMonotonic") or 0)
        status = unit_prop(vm, "StatusText")
        report.check("READY", active and ready_us > 0, f"Type=notify unit active (READY=1) at "
                     f"{ready_us / 1e6:.1f} s after kernel start; status \"{status}\"")
        frames = wait_for(lambda: first_frames(vm), 240, 3)
        analyze = vm.sh("systemd-analyze time | head -1").strip()
        if frames:
            report.check("boot times", True, f"kernel start -> READY {ready_us / 1e6:.1f} s, -> first video frame "
                         f"{frames[0][0]:.1f} s (channel {frames[0][1]}); {analyze}")
        else:
            report.check("boot times", False, f"no first frame in the journal; {analyze}")
        time.sleep(3)

        # 2. Keys through evdev: CH+ (GUIDE below).
        before = first_frames(vm)
        current = before[-1][1] if before else 0
        order = sorted(set(lineup_numbers(vm).values()))
        vm.key("pgup")
        expected = next_channel(order, current, up=True)
        after = wait_for(lambda: [f for f in first_frames(vm) if f not in before], 60, 2)
        got = after[-1][1] if after else None
        time.sleep(2)
        vm.screendump(out / "box-chplus.png")
        report.check("key CH+", got == expected, f"PgUp on the virtio keyboard: channel {current} -> {got} "
                     f"(expected {expected}) -> {out / 'box-chplus.png'}")
        # 3. The screen: the TV interface with live video, on the channel CH+ tuned (channel 1's look is
        # mostly black). Software decoding under TCG runs slower than real time: 5 s between the dumps.
        time.sleep(4)
        live = vm.screendump(out / "box-live.png")
        time.sleep(5)
        live2 = vm.screendump(out / "box-live-2.png")
        lit, colours = live.stats()
        moving = live.changed(live2)
        # Not black, more than a text console's few colours, and moving. How much of the screen is lit is the
        # channel's look: channel 5's white spokes on black light 9 % of it, channel 2's bars over 80 %
        # (channel 3's look is black and white with grey bars).
        report.check("screen", lit > 0.04 and colours > 40 and moving > 0.002,
                     f"{live.width}x{live.height}, {lit:.0%} lit, {colours} colours, {moving:.1%} changed in 5 s "
                     f"(live video) -> {out / 'box-live.png'}")
        time.sleep(6)  # the banner hides
        base = vm.screendump(out / "box-before-guide.png")
        # A loaded host under TCG draws the guide's first frame many seconds after the key: dumps every 3 s
        # until it shows (or 90 s), then the same for its closing.
        vm.key("g")
        t0 = time.monotonic()
        guide = wait_for(lambda: (d := vm.screendump(out / "box-guide.png")).panel() > 0.3 and d, 90, 3)
        guide = guide or vm.screendump(out / "box-guide.png")
        opened_after = time.monotonic() - t0
        vm.key("esc")
        t0 = time.monotonic()
        back = wait_for(lambda: (d := vm.screendump(out / "box-after-guide.png")).panel() < 0.15 and d, 90, 3)
        back = back or vm.screendump(out / "box-after-guide.png")
        closed_after = time.monotonic() - t0
        # The guide is told by its look: its panels cover about half the screen in the theme's colours. (A
        # changed-pixels measure alone is met by moving video: one run "saw" the guide open in a dump that
        # showed only the channel's concentric rings.) Closing is seen as those panels gone again.
        before, shown, after = base.panel(), guide.panel(), back.panel()
        report.check("key GUIDE", before < 0.15 and shown > 0.3 and after < 0.15,
                     f"g opens the guide (theme panels on {before:.0%} -> {shown:.0%} of the screen, seen after "
                     f"{opened_after:.0f} s), Esc closes it ({after:.0%}, after {closed_after:.0f} s); "
                     f"{base.changed(guide):.0%} and {guide.changed(back):.0%} of the pixels changed "
                     f"-> {out / 'box-guide.png'}")
        channel = got or current

        # The remote is zapbox's through evdev: it holds the virtio keyboard's grab (EVIOCGRAB), so nothing
        # else (Slint's libinput, the console) sees its keys, and VOLUME keys change the saved volume.
        # Slint's keyboard path maps no volume key (only + and -), so a saved volume change can only come
        # through zapbox's evdev reader and its keymap.
        report.check("remote", *remote_check(vm))

        # 4. Identity and capabilities.
        pid = unit_prop(vm, "MainPID")
        user = vm.sh(f"ps -o user= -p {pid}").strip()
        caps = dict(re.findall(r"^(Cap\w+):\s*([0-9a-f]+)", vm.sh(f"grep ^Cap /proc/{pid}/status"), re.M))
        no_caps = all(int(caps.get(k, "1"), 16) == 0 for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"))
        report.check("identity", user == "zapbox" and no_caps and len(caps) == 5,
                     f"pid {pid} runs as {user!r}; {' '.join(f'{k}={v}' for k, v in caps.items())}")

        # 5. Writes: files owned by zapbox, writable mounts in its namespace.
        owned = vm.sh("find / -xdev -user zapbox -not -path '/var/lib/zapbox*' -not -path '/var/cache/zapbox*' "
                      "-not -path '/var/lib/private/zapbox*' -not -path '/var/log/journal/*' "
                      # PrivateTmp=: the unit's own /tmp and /var/tmp, removed when it stops.
                      "-not -path '/tmp/systemd-private-*-zapbox.service-*' "
                      "-not -path '/var/tmp/systemd-private-*-zapbox.service-*' | head -20",
                      # A walk of the whole root file system: over a minute on a loaded host under TCG.
                      timeout=600).strip()
        # The process's own mount table, each mount point's per-mount flags (field 6; not the superblock's,
        # which stay rw for a sysfs or proc mounted read-only in the namespace: findmnt's OPTIONS merge both
        # in some util-linux versions). A mount point mounted over again (newer systemd lays a read-only
        # mount over /sys rather than remounting it) is what its last entry says: the one on top.
        mounts = vm.sh(f"awk '{{o[$5] = $6}} END {{for (m in o) if (o[m] ~ /(^|,)rw(,|$)/) print m}}' "
                       f"/proc/{pid}/mountinfo | sort")
        allowed = re.compile(r"^(/var/lib/zapbox|/var/cache/zapbox|/run/zapbox|/tmp|/var/tmp|/dev(/.*)?|/proc(/.*)?|"
                             r"/sys/fs/cgroup|/run/systemd/.*|/run/credentials/.*)$")
        # /dev, /proc and cgroupfs are pseudo filesystems (DevicePolicy/ProtectKernel* restrict them); /run/systemd
        # holds the notify and journal sockets.
        writable = [m for m in mounts.split() if m.startswith("/")]
        stray = [m for m in writable if not allowed.match(m)]
        report.check("writes", not owned and not stray,
                     f"zapbox-owned files elsewhere: {owned or 'none'}; writable mounts: {' '.join(writable)}"
                     + (f"; not allowed: {' '.join(stray)}" if stray else ""))

        # 6. systemd-analyze security, online.
        sec = vm.sh("systemd-analyze security zapbox.service | tail -1", timeout=300).strip()
        m = re.search(r"exposure level for zapbox.service:\s*([\d.]+)\s+(\w+)", sec)
        report.check("security", bool(m), sec)

        # 7. Watchdog: a frozen zapbox is restarted, on the same channel.
        before = first_frames(vm)
        vm.sh(f"kill -STOP {pid}")
        t0 = time.monotonic()
        new_pid = wait_for(lambda: (p := unit_prop(vm, "MainPID")) not in ("0", pid, "") and p, WATCHDOG_SEC + 40, 1)
        restarted = time.monotonic() - t0
        back_ready = wait_ready(vm, 180)
        after = wait_for(lambda: [f for f in first_frames(vm) if f not in before], 120, 3)
        ready_again = time.monotonic() - t0
        report.check("watchdog", bool(new_pid) and restarted <= WATCHDOG_SEC + 10 and back_ready
                     and bool(after) and after[0][1] == channel,
                     f"kill -STOP {pid}: new process {new_pid} after {restarted:.0f} s (limit {WATCHDOG_SEC + 10} s), "
                     f"READY and first frame after {ready_again:.0f} s, channel {after[0][1] if after else None} "
                     f"(was {channel})")
        journal = vm.sh("journalctl -b --no-hostname -u zapbox | grep -i watchdog | tail -2").strip()
        print(f"box:   {journal}")
    finally:
        try:
            vm.sh("sync")
        finally:
            vm.quit()


# In the guest, a watcher prints each new content of the state file to the console the moment it sees it
# (every 0.2 s): the console reaches the host at once, so a save the host has read before the cut happened.
# Its first line is the state the boot came up with (after the shell's prompt: the 1 s sleep). It runs under
# SCHED_FIFO: without it, zapbox's decoding and software rendering keep an emulated guest's CPUs busy and the
# watcher's line came some 10 s after the write, so nearly every cut came before the host had seen the save
# it followed, and the check could tell nothing about the writes in flight. The file is read with shell
# builtins only (no fork per poll).
STATE = "/var/lib/zapbox/state.json"
WATCHER = ("setsid -f chrt -f 10 sh -c 'sleep 1; p=; while :; do c=; "
           "if [ -f " + STATE + " ]; then while IFS= read -r l || [ -n \"$l\" ]; do c=\"$c$l\"; done < " + STATE
           + "; fi; if [ \"$c\" != \"$p\" ]; then echo \"@@SAVED $c\"; p=$c; fi; sleep 0.2; done' "
           # Its own session, so no job control stops it when it writes to the console.
           "> $(tty) 2>&1 < /dev/null")
# zapbox saves 2 s after the last of a burst of changes (core: save_soon): keys closer than that are one
# save; a longer pause lets a save land between them.
SAVE_DEBOUNCE = 2.0
# Where the cuts fall, at random over each boot's whole window. A share of the boots is cut while booting:
# at a moment drawn from QEMU's start to BOOT_MARGIN seconds after the last full boot's first frame
# (kernel, systemd, the demo headend's and zapbox's start, its first tune and the state it reads). The
# others run a burst of zaps and volume changes and are cut at a moment drawn from the burst's first key
# to AFTER_BURST seconds after its last: during the burst (keys still to come, an earlier save of it
# written or on its way), between the last key and its save, or after it. The release build writes 3-6 s
# after the last key under TCG (its 2 s debounce plus the emulated CPUs' delay), so the window after the
# last key holds the write in flight as well as the time after it.
BOOT_CUT_SHARE = 0.3
BOOT_MARGIN = 15.0
AFTER_BURST = 10.0
VOLUME_STEP = 5  # core Settings::volume_step_percent
HISTORY_LEN = 16  # core zapping::HISTORY_LEN: the state's list of channels watched


def next_channel(order: list[int], channel: int, up: bool) -> int | None:
    """The channel CH+ (up) or CH- tunes from `channel`: the next or previous number of the lineup, wrapping
    at either end. The lineup is read from the box, not assumed: the demo headend's has grown (8 channels
    once, 11 with the showcase channels), and a fixed count made CH+ from channel 8 "expect" channel 1."""
    if channel not in order:
        return None
    return order[(order.index(channel) + (1 if up else -1)) % len(order)]


def lineup_numbers(vm: Vm) -> dict[str, int]:
    """Channel key (tvg-id) -> channel number, from the demo headend's lineup, read in the guest."""
    m3u = vm.sh("exec 3<>/dev/tcp/127.0.0.1/8090 && printf 'GET /lineup.m3u HTTP/1.0\\r\\n\\r\\n' >&3 "
                "&& timeout 10 cat <&3; exec 3<&-")
    return {m.group(1): int(m.group(2)) for m in re.finditer(r'tvg-id="([^"]+)" tvg-chno="(\d+)"', m3u)}


class Saves:
    """The states the watcher printed, each with the host's time when its line arrived (each parsed; an
    unparsable one as {"invalid": text})."""

    def __init__(self, vm: Vm):
        self.vm = vm
        self.seen: list[tuple[float, dict]] = []
        # What the console printed after the last command's prompt is the watcher's already.
        self.tail, vm.buffer = vm.buffer, b""

    def pump(self) -> list[tuple[float, dict]]:
        vm = self.vm
        vm.serial.setblocking(False)
        try:
            while True:
                chunk = vm.recv()
                if not chunk:
                    break
                self.tail += chunk
        except (BlockingIOError, socket.timeout):
            pass
        finally:
            vm.serial.setblocking(True)
        now = time.monotonic()
        *lines, self.tail = self.tail.split(b"\n")
        for line in lines:
            m = re.search(rb"@@SAVED (.*?)\r?$", line)
            if not m:
                continue
            try:
                self.seen.append((now, json.loads(m.group(1))))
            except ValueError:
                self.seen.append((now, {"invalid": m.group(1)[:80].decode(errors="replace")}))
        return self.seen

    def sleep(self, seconds: float) -> None:
        """Sleeps, reading the console every 0.1 s so each line's arrival time is known."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(0.1, left))
            self.pump()


def console_sleep(vm: Vm, seconds: float) -> bool:
    """Sleeps while reading the console (so QEMU never waits on it); whether the auto-login's prompt came."""
    deadline = time.monotonic() + seconds
    prompt, tail = False, b""
    while (left := deadline - time.monotonic()) > 0:
        vm.serial.settimeout(min(0.2, left))
        try:
            chunk = vm.recv()
            if not chunk:
                break
            tail = (tail + chunk)[-4096:]
            prompt = prompt or bool(re.search(rb"root@[\w-]+:[^\n]*# ", tail))
        except socket.timeout:
            pass
    return prompt


def power_cuts(args, report: Report, work: Path) -> None:
    """N boots, each cut by QMP quit at a random moment of its window: while booting, or among zaps and
    volume changes, before, during or after zapbox's debounced save. The next boot must come up with a
    valid state file and config, no file set aside or left temporary, on the channel its state file names,
    and that channel must be the one of one of the last two saves the watcher saw before the cut, or of a
    save made after it (a channel zapped to after the last save seen). Each cut is logged with its moment:
    after QEMU's start for a boot cut, after the burst's last key and the last save seen otherwise. The
    campaign shows that the cuts hit writes in flight: a cut counts as one with a save due when no save
    naming the burst's last channel had been seen after the last key; it fails when the watcher saw no
    write, or when no cut came with a save due or none after a burst's save (then it proved nothing about
    one of the two cases)."""
    rng = random.Random(args.seed)
    boot_share = round(args.cycles * BOOT_CUT_SHARE) if args.cycles >= 4 else 0
    modes = ["boot"] * boot_share + ["burst"] * (args.cycles - boot_share)
    rng.shuffle(modes)
    expected: set[int] | None = None  # channels the next boot may come up on
    failures = []
    times = []
    boot_cuts: list[float] = []  # seconds after QEMU's start
    mid_cuts = 0  # cuts during a burst, keys still to send
    due_cuts = 0  # cuts that came with the burst's state not yet seen on disk (mid-burst ones included)
    after_cuts = 0  # cuts that came after the burst's state was seen saved
    unchanged_cuts = 0  # bursts that left the state as the boot found it
    lags: list[float] = []  # last key -> the burst's final state seen saved
    since_save: list[float] = []  # a burst's cut -> the last save seen before it in that boot
    saves_total = 0
    volume_bursts = 0  # bursts whose volume keys changed the volume, with a save seen after the last key
    volume_saved = 0  # ... of which the last save seen carried the burst's volume
    numbers: dict[str, int] = {}
    full_boot: tuple[float, float] | None = None  # the last full boot: login (after QEMU's start), first frame
    last_save: tuple[int, float] | None = None  # cycle and host time of the last save seen
    for cycle, mode in enumerate(modes, 1):
        vm = Vm(args.image, work, "power")
        try:
            if mode == "boot":
                window = (full_boot[1] if full_boot else 120.0) + BOOT_MARGIN
                cut_at = rng.uniform(0.0, window)
                prompt = console_sleep(vm, cut_at)
                cut = time.monotonic() - vm.started
                vm.quit()
                boot_cuts.append(cut)
                ref = (f"the last full boot: login {full_boot[0]:.0f} s after QEMU's start, first frame "
                       f"{full_boot[1]:.1f} s after the kernel's" if full_boot else "no full boot yet")
                last = (f"the last save seen was cycle {last_save[0]}'s, {time.monotonic() - last_save[1]:.0f} s "
                        "earlier" if last_save else "no save seen yet")
                print(f"box:   power cut {cycle}/{args.cycles}: during the boot, {cut:.1f} s after QEMU's start "
                      f"(drawn from 0-{window:.0f} s; {ref}), {'after' if prompt else 'before'} the console's "
                      f"login; {last}; the next boot must come up on one of "
                      f"{sorted(expected) if expected else 'any channel'}", flush=True)
                continue
            login = vm.login()
            ok = wait_ready(vm)
            frames = wait_for(lambda: first_frames(vm), 240, 2) if ok else []
            state = vm.sh(f"cat {STATE}")
            config = vm.sh("cat /etc/zapbox/config.json")
            leftovers = vm.sh("ls -A /var/lib/zapbox /etc/zapbox | grep -c -e '\\.bad' -e '\\.tmp-' || true").strip()
            numbers = numbers or lineup_numbers(vm)
            if not numbers:
                raise RuntimeError("could not read the demo lineup's channel numbers in the guest")
            order = sorted(set(numbers.values()))
            problems = []
            saved_key = None
            volume = 80
            try:
                saved = json.loads(state)
                saved_key = saved.get("last_channel")
                volume = saved.get("volume_percent", volume)
                if not saved_key:
                    problems.append("no last_channel")
            except ValueError as e:
                problems.append(f"state.json invalid ({e}): {state[:80]!r}")
            try:
                json.loads(config)
            except ValueError as e:
                problems.append(f"config.json invalid ({e})")
            if leftovers not in ("", "0"):
                problems.append(f"{leftovers} files set aside (.bad) or temporary files left (.tmp-)")
            if not frames:
                problems.append("no first frame")
            start = frames[0][1] if frames else None
            if start is not None and saved_key and numbers.get(saved_key) != start:
                problems.append(f"came up on channel {start}, the state file names {saved_key}")
            if expected is not None and start not in expected:
                problems.append(f"came up on channel {start}, expected one of {sorted(expected)}")
            times.append(frames[0][0] if frames else float("nan"))
            if frames:
                full_boot = (login, frames[0][0])
            # Bursts of zaps and volume changes: mostly closer than the save delay, sometimes a pause that
            # lets a save land; the cut at a moment drawn over the whole burst and the time after it.
            vm.drain()
            vm.sh(WATCHER)
            saves = Saves(vm)
            # Its first line (the boot's state) shows it runs; a loaded guest takes seconds to start it.
            if not wait_for(saves.pump, 120, 0.5):
                problems.append("the state watcher printed nothing within 120 s")
            channel = start or 1
            history = [channel]
            boot_volume = volume
            keys = rng.randint(3, 8)
            plan: list[tuple[float, str]] = []  # (seconds after the burst's first key, qcode)
            offset = 0.0
            for i in range(keys):
                if i:
                    offset += rng.uniform(0.3, 1.5) if rng.random() < 0.75 else rng.uniform(2.5, 5.0)
                if rng.random() < 0.7:
                    plan.append((offset, "pgup" if rng.random() < 0.6 else "pgdn"))
                else:
                    plan.append((offset, "volumeup" if rng.random() < 0.5 else "volumedown"))
            cut_at = rng.uniform(0.0, offset + AFTER_BURST)
            burst_start = time.monotonic()
            sent = 0
            last_key = burst_start
            for at, key in plan:
                if at > cut_at:
                    break
                saves.sleep(burst_start + at - time.monotonic())
                vm.key(key)
                if key in ("pgup", "pgdn"):
                    channel = next_channel(order, channel, up=key == "pgup")
                    history.append(channel)
                else:
                    step = VOLUME_STEP if key == "volumeup" else -VOLUME_STEP
                    volume = max(0, min(100, volume + step))
                last_key = time.monotonic()
                sent += 1
            saves.sleep(burst_start + cut_at - time.monotonic())
            seen = list(saves.pump())
            cut_time = time.monotonic()
            cut_after = cut_time - last_key
            vm.quit()  # QMP quit: the power cut, with whatever the guest had not written yet
            # The channels of the saves seen after the boot's own state, consecutive repeats (volume
            # changes) folded.
            chans: list[int] = [start if start is not None else -1]
            for _, saved in seen:
                if "invalid" in saved:
                    problems.append(f"the watcher read an invalid state: {saved['invalid']!r}")
                    continue
                n = numbers.get(saved.get("last_channel"), -1)
                if chans[-1] != n:
                    chans.append(n)
            new = max(len(seen) - 1, 0)  # the first line is the state the boot came up with
            saves_total += new
            if new:
                last_save = (cycle, seen[-1][0])
                since_save.append(cut_time - seen[-1][0])
            # Where the last save seen stands in the zaps sent: saves follow zaps in order.
            pos = 0
            for n in chans[1:]:
                j = next((j for j in range(pos + 1, len(history)) if history[j] == n), None)
                if j is None:
                    problems.append(f"a save named channel {n}, not among the zaps {history[pos:]}")
                    break
                pos = j
            expected = set(chans[-2:]) | set(history[pos + 1:])
            # The burst's last channel seen on disk (a save after the last key) before the cut? Then the last
            # save seen should carry the burst's volume too (counted: under TCG a save may still be on
            # its way from an earlier timer when the last volume key is handled; the campaign fails only
            # when no burst's volume reached the state).
            final = next((t for t, s in seen[1:] if numbers.get(s.get("last_channel")) == history[-1]
                          and t >= last_key), None)
            # A burst that ends where it began (zaps back and forth, the history in the same order again,
            # the volume back where it was) leaves a state file identical to the boot's: its save, if made,
            # shows no new content.
            keys_of = {n: k for k, n in numbers.items()}
            boot_history = seen[0][1].get("history", []) if seen else []
            after_burst = list(boot_history)
            for n in history[1:]:
                key = keys_of.get(n)
                after_burst = ([key] + [k for k in after_burst if k != key])[:HISTORY_LEN]
            if final is None and new == 0 and after_burst == boot_history and volume == boot_volume:
                unchanged_cuts += 1
                when = "nothing to save (the burst ended on the boot's state)"
            elif final is None:
                due_cuts += 1
                when = "save due"
            else:
                after_cuts += 1
                lags.append(final - last_key)
                when = f"after the save (seen {final - last_key:.1f} s after the last key)"
                if volume != boot_volume:
                    volume_bursts += 1
                    volume_saved += seen[-1][1].get("volume_percent") == volume
            if sent < len(plan):
                mid_cuts += 1
                moment = f"during the burst, after key {sent} of {len(plan)}, {cut_after:.1f} s after it"
            else:
                moment = f"{cut_after:.1f} s after the last key"
            moment += (f", {cut_time - seen[-1][0]:.1f} s after the last save seen" if new
                       else ", no save seen in this boot")
            writes = ", ".join(f"{numbers.get(s.get('last_channel'))}/{s.get('volume_percent')} "
                               f"at {t - last_key:+.1f} s" for t, s in seen[1:])
            print(f"box:   power cut {cycle}/{args.cycles}: up on {start} "
                  + (f"({frames[0][0]:.1f} s); " if frames else "(no frame); ")
                  + f"zaps {history}, volume -> {volume}, saves seen {chans[1:] or 'none'} ({new} writes: "
                  f"channel/volume and when, from the last key: {writes or 'none'}), "
                  f"cut {moment}: {when}; "
                  f"{'; '.join(problems) or 'state and config valid'}", flush=True)
            if problems:
                failures.append(f"cycle {cycle}: {'; '.join(problems)}")
        finally:
            vm.quit()
    # The last cut's result, seen on one more boot.
    vm = boot(args.image, work, "power")
    try:
        wait_ready(vm)
        frames = wait_for(lambda: first_frames(vm), 240, 2)
        start = frames[0][1] if frames else None
        state = vm.sh(f"cat {STATE}")
        json.loads(vm.sh("cat /etc/zapbox/config.json"))
        saved = numbers.get(json.loads(state).get("last_channel"))
        if start not in (expected or {start}) or saved != start:
            failures.append(f"after the last cut: channel {start} (state file: {saved}), expected one of "
                            f"{sorted(expected or [])}")
        print(f"box:   after the last cut: up on {start}, the state file names {saved}, expected one of "
              f"{sorted(expected) if expected else 'any channel'}", flush=True)
    except ValueError as e:
        failures.append(f"after the last cut: state or config invalid ({e})")
    finally:
        vm.quit()
    if saves_total == 0:
        failures.append("the watcher saw no state write: nothing shows the cuts met writes")
    if volume_bursts and not volume_saved:
        failures.append(f"none of the {volume_bursts} bursts that changed the volume saved it")
    if args.cycles >= 4 and (due_cuts == 0 or after_cuts == 0):
        failures.append(f"{due_cuts} cuts with a save due, {after_cuts} after a save: the cuts did not cover both")
    valid = [t for t in times if t == t]
    detail = (f"{args.cycles} cuts: {len(boot_cuts)} during the boot"
              + (f" ({min(boot_cuts):.1f}-{max(boot_cuts):.1f} s after QEMU's start)" if boot_cuts else "")
              + f", {args.cycles - len(boot_cuts)} among zaps/volume changes ({saves_total} state writes seen; "
              f"{due_cuts} cuts with the burst's save due or in flight, {mid_cuts} of them mid-burst, {after_cuts} "
              f"after it, {unchanged_cuts} with nothing to save"
              + (f"; the save seen {min(lags):.1f}-{max(lags):.1f} s after the last key" if lags else "")
              + (f"; cuts {min(since_save):.1f}-{max(since_save):.1f} s after the last save seen" if since_save
                 else "")
              + f"; volume saved by {volume_saved} of {volume_bursts} bursts that changed it and were seen saved"
              + "); first frame after boot "
              + (f"{min(valid):.1f}-{max(valid):.1f} s" if valid else "never"))
    report.check("power cuts", not failures, detail + (f"; {' | '.join(failures)}" if failures else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=["amd64", "arm64"], default="amd64",
                        help="arm64: qemu-system-aarch64 -M virt with the image of build-image.sh --arch arm64")
    parser.add_argument("--image", type=Path, help="directory with disk.img, vmlinuz, initrd.img "
                        "(default $ZAPBOX_VM_CACHE/ARCH/out)")
    parser.add_argument("--out", type=Path, default=Path("box-check"), help="screendumps go here")
    parser.add_argument("--cycles", type=int, default=20, help="power cuts")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--boot-only", action="store_true")
    parser.add_argument("--power-only", action="store_true", help="only the power cuts")
    args = parser.parse_args()
    global ARCH
    ARCH = args.arch
    args.image = args.image or CACHE.parent.parent / ARCH / "out"
    if not (args.image / "disk.img").exists():
        print(f"box: no image in {args.image}: run board/qemu-virt/build-image.sh first", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="zapbox-box-"))
    if args.boot_only:
        vm = boot(args.image, work, "boot")
        print(f"box: up; QMP {vm.qmp_path}, console {vm.serial_path} (log {vm.log_path}); Ctrl-C quits")
        try:
            vm.proc.wait()
        except KeyboardInterrupt:
            vm.quit()
        return 0
    report = Report()
    started = time.monotonic()
    try:
        if not args.power_only:
            main_checks(args, report, work, args.out)
        if args.cycles > 0:
            power_cuts(args, report, work)
    except Exception as e:  # a check that cannot run is a failed check, with the reason
        report.check("run", False, f"{type(e).__name__}: {e} (console logs in {work})")
    failed = [name for name, ok, _ in report.results if not ok]
    secs = time.monotonic() - started
    if failed:
        print(f"box: FAIL ({len(failed)} of {len(report.results)} checks: {', '.join(failed)}; {secs:.0f} s; "
              f"logs in {work})")
        return 1
    print(f"box: PASS ({len(report.results)} checks, {secs:.0f} s)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
