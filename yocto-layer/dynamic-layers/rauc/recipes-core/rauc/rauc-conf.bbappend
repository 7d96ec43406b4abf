# SPDX-License-Identifier: GPL-3.0-or-later
# The A/B slot layout of the boards this layer knows (files/MACHINE/system.conf, picked by
# FILESOVERRIDES); other machines keep meta-rauc's example, which warns at build time.
FILESEXTRAPATHS:prepend:raspberrypi4-64 := "${THISDIR}/files:"
# nooelint: oelint.vars.noncoreoverride - oe-core's qemuarm64 is the layer's QEMU box; meta-rauc's rauc-conf only
FILESEXTRAPATHS:prepend:qemuarm64 := "${THISDIR}/files:"
