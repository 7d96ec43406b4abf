# SPDX-License-Identifier: GPL-3.0-or-later
SUMMARY = "zapbox set-top-box application and what it needs on the box"
DESCRIPTION = "The zapbox application with its GStreamer plugins, fonts for the TV interface, \
               IR remote and HDMI-CEC tools and the ALSA mixer state."
# nooelint: oelint.vars.homepageping - checked over the network, which CI and build sandboxes lack
HOMEPAGE = "https://github.com/zapbox/zapbox"
BUGTRACKER = "https://github.com/zapbox/zapbox/issues"
SECTION = "multimedia"
LICENSE = "MIT"

# zapbox is machine-specific (its board files), so the group is too.
PACKAGE_ARCH = "${MACHINE_ARCH}"

inherit packagegroup

RDEPENDS:${PN} = "\
    fontconfig-utils \
    ttf-dejavu-sans \
    ttf-dejavu-sans-mono \
    zapbox \
"
# ir-keytable loads the board's rc_keymaps; alsactl restores the mixer; v4l-utils brings cec-ctl, to
# see what the TV and the audio system say on HDMI-CEC when support asks.
RRECOMMENDS:${PN} = "\
    alsa-utils-alsactl \
    ir-keytable \
    v4l-utils \
"
