#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The phone companion in a real browser: headless Chromium (Debian's) driven by Playwright.

Starts `zapbox demo --headless --pair` (its own network namespace, the box at 10.77.0.1), reads
the `pair:` line, renders the TV's phone screen with `zapbox screenshot --pair-url` and decodes
its QR code with zbarimg, joins the demo's network namespace (as a phone on the box's network),
opens the decoded address in Chromium, then adds a playlist, gets a bad address refused with the
TV's words, adds a guide source, edits the playlist, removes the guide source, opens the TV keyboard with the page's remote keys, types into it, confirms, and taps a
channel (the list says what is on now), checking each time what the TV shows (the demo prints it). Then the refusals: the spent
token, an expired token, a peer with a public address, a form without the CSRF token.

Usage: browser.py --zapbox PATH [--screenshot PHONE_PAGE.png]   (root: it enters a namespace)
Prints `N passed, N failed` and exits non-zero on any failure.
"""
import argparse
import ctypes
import os
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

from playwright.sync_api import sync_playwright

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PUBLIC_LOOKING = "203.0.113.7"
TOKEN_LIFETIME_S = 25
results = []


def check(name, ok, detail=""):
    results.append((name, ok))
    print(f"{'ok' if ok else 'FAIL'}: {name}{'' if ok else ' — ' + str(detail)}", flush=True)


class Demo:
    """`zapbox demo --headless --pair`, its stdout read by a thread."""

    def __init__(self, zapbox):
        self.proc = subprocess.Popen(
            [zapbox, "demo", "--headless", "--pair", "--seconds", "300", "--pair-lifetime-s", str(TOKEN_LIFETIME_S)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines = queue.Queue()
        self.last_tv = ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait(self, pattern, timeout=60):
        """The first line matching `pattern` (a regex) from now on."""
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line.startswith("tv: "):
                self.last_tv = line
            seen.append(line)
            if re.search(pattern, line):
                return line
        raise TimeoutError(f"no line matching {pattern!r}; last lines: {seen[-5:]}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def poll(what, fn, timeout=20):
    """Polls `fn` until it returns something true (the page's CSP forbids Playwright's eval-based waits)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(f"waited {timeout} s for {what}")


def enter_netns(pid):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "setns into the demo's network namespace")
    os.close(fd)


def qr_from_screenshot(zapbox, url, work):
    png = os.path.join(work, "phone.png")
    subprocess.run([zapbox, "screenshot", "--screen", "phone", "--size", "1280x720", "--pair-url", url,
                    "--out", png], check=True, capture_output=True)
    out = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True, text=True)
    return out.stdout.strip()


def raw_get(url_path, source=None, host="10.77.0.1", port=8099):
    s = socket.socket()
    s.settimeout(5)
    if source:
        s.bind((source, 0))
    s.connect((host, port))
    s.sendall(f"GET {url_path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    data = b""
    try:
        while chunk := s.recv(4096):
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return data.decode(errors="replace")


def scenario(zapbox, screenshot_out):
    work = tempfile.mkdtemp(prefix="zapbox-browser-")
    demo = Demo(zapbox)
    try:
        # The first demo run encodes its channels once (minutes on a busy machine).
        url = demo.wait(r"^pair: http://", timeout=900).split(" ", 1)[1]
        decoded = qr_from_screenshot(zapbox, url, work)
        check("qr-code-decodes-to-the-pairing-url", decoded == url, f"{decoded!r} != {url!r}")
        enter_netns(demo.proc.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            fresh, made_at = phone(browser, demo, decoded, screenshot_out)
            refusals(browser, decoded, fresh, made_at)
            browser.close()
    finally:
        demo.stop()


def phone(browser, demo, url, screenshot_out):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.goto(url)
    check("pairing-opens-the-page", page.url.endswith("/") and page.locator("#playlist-url").is_visible(), page.url)
    demo.wait(r"^tv: ")

    page.fill("#playlist-url", "http://10.77.0.1:9/extra.m3u")
    page.click("#playlist-add")
    line = demo.wait(r'playlists=\["http://10\.77\.0\.1:9/extra\.m3u"\]')
    check("playlist-added-on-the-tv", "extra.m3u" in line, line)

    page.fill("#playlist-url", "ftp://nope")
    page.click("#playlist-add")
    message = poll("the refusal message", lambda: page.text_content("#message"))
    check("bad-address-refused-in-the-tvs-words", message == "Not a usable address: ftp://nope", message)

    page.fill("#guide-url", "http://10.77.0.1:9/extra.xml")
    page.click("#guide-add")
    line = demo.wait(r'guides=\["http://10\.77\.0\.1:9/extra\.xml"\]')
    check("guide-source-added-on-the-tv", "extra.xml" in line, line)

    # Edit asks for the new address in a prompt; the TV's list follows.
    page.once("dialog", lambda dialog: dialog.accept("http://10.77.0.1:9/edited.m3u"))
    page.locator("#playlist-list li", has_text="extra.m3u").locator("button").nth(0).click()
    line = demo.wait(r'playlists=\["http://10\.77\.0\.1:9/edited\.m3u"\]')
    check("playlist-edited-on-the-tv", "extra.m3u" not in line, line)
    page.locator("#guide-list li", has_text="extra.xml").locator("button").nth(1).click()
    line = demo.wait(r"guides=\[\]")
    check("guide-source-removed-on-the-tv", "edited.m3u" in line, line)

    # The TV is on the phone page of the menu: BACK (to the last item), DOWN (wraps to playlists), OK, then past the operator's
    # playlist and the one just added to "Add an address…", OK.
    for key in ["back", "down", "ok", "down", "down", "ok"]:
        page.click(f'button[data-key="{key}"]')
        time.sleep(0.3)
    line = demo.wait(r'keyboard=Some\(""\)')
    check("remote-keys-open-the-tv-keyboard", "screen=menu:playlists" in line, line)

    poll("the type button to be enabled", lambda: page.is_enabled("#type-send"))
    page.fill("#type-text", "http://10.77.0.1:9/typed.m3u")
    page.click("#type-send")
    line = demo.wait(r'keyboard=Some\("http://10\.77\.0\.1:9/typed\.m3u"\)')
    check("text-typed-into-the-tv-field", True, line)
    page.click("#type-done")
    line = demo.wait(r"typed\.m3u\"\]")
    check("typed-address-confirmed-on-the-tv", "keyboard=None" in line and "edited.m3u" in line, line)

    for key in ["back", "back"]:
        page.click(f'button[data-key="{key}"]')
        time.sleep(0.3)
    page.wait_for_selector("li.channel", timeout=20000)
    channels = page.locator("li.channel")
    check("channel-list-with-names", channels.count() >= 2, channels.count())
    # The demo's playlist announces its guide (url-tvg): the list says what is on now.
    titles = page.locator("li.channel .now")
    now = poll("what is on now", lambda: titles.count() > 0 and titles.first.text_content())
    check("channel-list-says-what-is-on-now", bool(now and now.strip()), now)
    second = channels.nth(1)
    number = second.locator(".num").text_content()
    second.click()
    line = demo.wait(rf"channel={number} ")
    check("tap-to-watch", f"channel={number}" in line, line)
    page.wait_for_selector(f'li.channel.playing[data-key="{second.get_attribute("data-key")}"]', timeout=10000)
    if screenshot_out:
        # The whole page once the TV's last message (the typed address does not load) has gone.
        poll("the TV's message to go", lambda: not page.text_content("#tv-notice").strip(), timeout=30)
        time.sleep(0.3)
        page.screenshot(path=screenshot_out, full_page=True)

    # Missing and wrong CSRF tokens: the session cookie alone is not enough.
    status = page.evaluate("""async () => (await fetch('/api/key', {method: 'POST',
        body: new URLSearchParams({key: 'ok'})})).status""")
    check("missing-csrf-refused", status == 403, status)
    status = page.evaluate("""async () => (await fetch('/api/key', {method: 'POST',
        body: new URLSearchParams({key: 'ok', csrf: 'a'.repeat(32)})})).status""")
    check("wrong-csrf-refused", status == 403, status)

    # A new code from the TV (MENU, UP to "Set up from your phone", OK), left to expire.
    for key in ["menu", "up", "ok"]:
        page.click(f'button[data-key="{key}"]')
        time.sleep(0.3)
    fresh = demo.wait(r"^pair: http://").split(" ", 1)[1]
    made_at = time.time()
    check("new-code-from-the-menu", fresh != url, fresh)
    context.close()
    return fresh, made_at


def refusals(browser, used_url, fresh, made_at):
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(used_url)
    check("reused-token-refused", response.status == 410, response.status)
    response = page.goto(used_url.rsplit("/pair/", 1)[0] + "/")
    check("no-session-no-page", response.status == 403, response.status)
    context.close()

    time.sleep(max(0, made_at + TOKEN_LIFETIME_S + 2 - time.time()))
    context = browser.new_context()
    response = context.new_page().goto(fresh)
    check("expired-token-refused", response.status == 410, response.status)
    context.close()

    subprocess.run(["ip", "addr", "add", f"{PUBLIC_LOOKING}/32", "dev", "lo"], check=True)
    answer = raw_get("/", source=PUBLIC_LOOKING)
    check("public-peer-refused", answer.startswith("HTTP/1.1 403") and "home network" in answer, answer[:80])
    answer = raw_get("/")
    check("local-peer-without-session-gets-403-page", answer.startswith("HTTP/1.1 403") and "Set up from your phone" in answer, answer[:80])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zapbox", required=True)
    parser.add_argument("--screenshot")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("browser.py must run as root (it joins the demo's network namespace)", file=sys.stderr)
        return 2
    try:
        scenario(args.zapbox, args.screenshot)
    except Exception as e:  # a crash is a failure with its reason, not a traceback only
        check("scenario-ran-to-the-end", False, repr(e))
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed >= 21 else 1


if __name__ == "__main__":
    sys.exit(main())
