#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local RTSP server for the player tests: GStreamer's gst-rtsp-server through Python GI.

Serves /live on 127.0.0.1:PORT: a live 320x240 H.264 test picture (1 s GOP) and Opus audio.
`--tcp-only` refuses UDP transports, so a client must fall back to interleaved TCP. Prints
"ready" once listening and "user-agent: …" for each request that carries one, then runs until
killed (or for --seconds).
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! rtph264pay name=pay0 pt=96 "
    "audiotestsrc is-live=true wave=sine ! audio/x-raw,rate=48000,channels=2 ! opusenc "
    "! rtpopuspay name=pay1 pt=97 )"
)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--tcp-only", action="store_true")
    parser.add_argument("--seconds", type=int, default=120)
    args = parser.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE)
    factory.set_shared(True)
    if args.tcp_only:
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    server.get_mount_points().add_factory("/live", factory)

    def on_request(_client, context):
        agent = context.request.get_header(GstRtsp.RTSPHeaderField.USER_AGENT, 0)
        if agent[0] == GstRtsp.RTSPResult.OK:
            print(f"user-agent: {agent[1]}", flush=True)

    def on_client(_server, client):
        client.connect("describe-request", on_request)

    server.connect("client-connected", on_client)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        sys.exit(1)
    print("ready", flush=True)
    loop = GLib.MainLoop()
    GLib.timeout_add_seconds(args.seconds, loop.quit)
    loop.run()


if __name__ == "__main__":
    main()
