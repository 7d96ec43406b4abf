# nooelint: oelint.var.bbclassextend - configuration for the target's systemd only
# SPDX-License-Identifier: GPL-3.0-or-later
SUMMARY = "A booted slot is good only once zapbox is READY"
DESCRIPTION = "Makes zapbox reaching READY a condition of systemd's boot-complete.target, after which \
               meta-rauc's rauc-mark-good.service runs rauc status mark-good. An update whose zapbox \
               does not start is never marked good: the bootloader's boot counter runs out and the \
               previous slot boots again. A crash loop reboots at once (StartLimitAction=reboot)."
# nooelint: oelint.vars.homepageping - checked over the network, which CI and build sandboxes lack
HOMEPAGE = "https://github.com/zapbox/zapbox"
BUGTRACKER = "https://github.com/zapbox/zapbox/issues"
SECTION = "base"
LICENSE = "GPL-3.0-or-later"
# nooelint: oelint.var.licenseremotefile - two systemd drop-ins of this layer: the common licence text
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/GPL-3.0-or-later;md5=1c76c4cc354acaac30ed4d5eefea7245"
CVE_PRODUCT = "zapbox"

SRC_URI = "file://boot-complete-zapbox.conf file://zapbox-reboot-on-failure.conf"

S = "${UNPACKDIR}"

inherit allarch

do_install() {
    install -D -m 0644 ${S}/boot-complete-zapbox.conf \
        ${D}${systemd_system_unitdir}/boot-complete.target.d/zapbox.conf
    install -D -m 0644 ${S}/zapbox-reboot-on-failure.conf \
        ${D}${systemd_system_unitdir}/zapbox.service.d/rauc-reboot-on-failure.conf
}

FILES:${PN} += "${systemd_system_unitdir}/boot-complete.target.d ${systemd_system_unitdir}/zapbox.service.d"
RDEPENDS:${PN} = "rauc zapbox"
