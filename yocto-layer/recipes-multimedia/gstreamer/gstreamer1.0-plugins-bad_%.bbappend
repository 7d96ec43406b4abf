# SPDX-License-Identifier: GPL-3.0-or-later
# kmssink (video on its own plane under the UI) and the stateless V4L2 decoders (v4l2sl*dec) are
# opt-in in oe-core. Enabled only for the SoCs of zapbox's boards, so other machines are unchanged.
PACKAGECONFIG:append:rpi = " kms v4l2codecs"
PACKAGECONFIG:append:meson-gxl = " kms"
PACKAGECONFIG:append:rk3588 = " kms v4l2codecs"
PACKAGECONFIG:append:rk3588s = " kms v4l2codecs"
PACKAGECONFIG:append:mx8mp = " kms v4l2codecs"
