# nooelint: oelint.var.bbclassextend - a target-only application (DRM/KMS, evdev): no native variant
# SPDX-License-Identifier: GPL-3.0-or-later
SUMMARY = "zapbox set-top-box application"
DESCRIPTION = "TV application for set-top boxes: multicast IPTV and OTT (HLS) playback with \
               GStreamer and hardware decoders, a Slint TV interface drawn on DRM/KMS, IR remote \
               through evdev, programme guide. Installs the board files of the MACHINE and a \
               sandboxed systemd service."
# nooelint: oelint.vars.homepageping - checked over the network, which CI and build sandboxes lack
HOMEPAGE = "https://github.com/zapbox/zapbox"
BUGTRACKER = "https://github.com/zapbox/zapbox/issues"
SECTION = "multimedia"
LICENSE = "GPL-3.0-or-later"
LIC_FILES_CHKSUM = "file://LICENSE;md5=1ebbd3e34237af26da5dc08a4e440464"
CVE_PRODUCT = "zapbox"

DEPENDS = "gstreamer1.0 gstreamer1.0-plugins-base"

PV = "0.1.0+git"

SRC_URI = "git://github.com/zapbox/zapbox.git;protocol=https;branch=main"
# Move together with zapbox-crates.inc: regenerate it from the Cargo.lock of this commit.
SRCREV = "7de449bb41ac8aa98d6b09da663908482b194672"

inherit cargo cargo-update-recipe-crates pkgconfig systemd useradd

require ${BPN}-crates.inc

# linuxkms: the UI draws straight on DRM/KMS (no compositor), input through libinput.
PACKAGECONFIG ??= "linuxkms"
PACKAGECONFIG[linuxkms] = "--features linuxkms,,libinput libxkbcommon virtual/libgbm udev libdrm"

# board/<name>/ of the MACHINE, installed to ${datadir}/zapbox/board/; /etc/zapbox/config.json names it.
# The names are zapbox's supported boards (system::board::Board; tests/yocto_layer.rs checks them).
ZAPBOX_BOARD ?= "pc"
ZAPBOX_BOARD:qemuarm64 = "qemu-arm64"
ZAPBOX_BOARD:qemux86-64 = "qemu-virt"
ZAPBOX_BOARD:raspberrypi4-64 = "rpi4"
ZAPBOX_BOARD:raspberrypi4 = "rpi4"
ZAPBOX_BOARD:raspberrypi5 = "rpi5"
ZAPBOX_BOARD:meson-gxl = "amlogic-s905x"
ZAPBOX_BOARD:rk3588 = "rockchip-rk3588"
ZAPBOX_BOARD:rk3588s = "rockchip-rk3588"
ZAPBOX_BOARD:mx8mp = "imx8mp"
# Slint backend for the unit's environment file (linuxkms-femtovg needs GLES; -software does not).
ZAPBOX_SLINT_BACKEND ?= "linuxkms-femtovg"
ZAPBOX_SLINT_BACKEND:qemuarm64 = "linuxkms-software"
ZAPBOX_SLINT_BACKEND:qemux86-64 = "linuxkms-software"

USERADD_PACKAGES = "${PN}"
USERADD_PARAM:${PN} = "--system --home-dir ${localstatedir}/lib/zapbox --no-create-home \
                       --shell ${base_sbindir}/nologin --user-group zapbox"

# zapbox-safe-mode.service is installed, not enabled: only zapbox.service's OnFailure= starts it.
SYSTEMD_SERVICE:${PN} = "zapbox.service"

do_install:append() {
    install -d ${D}${systemd_system_unitdir}
    for unit in zapbox.service zapbox-safe-mode.service; do
        install -m 0644 ${S}/dist/systemd/$unit ${D}${systemd_system_unitdir}/
        sed -i -e 's,/usr/bin/zapbox,${bindir}/zapbox,' ${D}${systemd_system_unitdir}/$unit
    done
    install -D -m 0644 ${S}/dist/sysusers.d/zapbox.conf ${D}${nonarch_libdir}/sysusers.d/zapbox.conf
    install -D -m 0644 ${S}/dist/sysctl.d/60-zapbox-multicast.conf \
        ${D}${nonarch_libdir}/sysctl.d/60-zapbox-multicast.conf
    install -D -m 0644 ${S}/dist/logind.conf.d/zapbox-power-key.conf \
        ${D}${systemd_unitdir}/logind.conf.d/zapbox-power-key.conf

    # Every file of the board's folder (profile, keymap), whatever it holds.
    board=${S}/board/${ZAPBOX_BOARD}
    if [ ! -f $board/profile.json ]; then
        bbfatal "ZAPBOX_BOARD=${ZAPBOX_BOARD}: no board/${ZAPBOX_BOARD}/profile.json in the source"
    fi
    for f in $(cd $board && find . -type f | sort); do
        install -D -m 0644 $board/$f ${D}${datadir}/zapbox/board/${ZAPBOX_BOARD}/$f
    done
    # What every board shares: the rc keymaps its profile names (remote.rc_keymaps, from
    # board/rc_keymaps/), and the udev rule whose loader puts them into the IR receiver.
    keymaps=$(python3 -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1])).get("remote", {}).get("rc_keymaps", [])))' \
        $board/profile.json)
    for keymap in $keymaps; do
        install -D -m 0644 ${S}/board/rc_keymaps/$keymap.toml ${D}${sysconfdir}/rc_keymaps/$keymap.toml
    done
    install -D -m 0644 ${S}/board/udev/70-zapbox-remote.rules \
        ${D}${nonarch_base_libdir}/udev/rules.d/70-zapbox-remote.rules
    sed -i -e 's,/usr/libexec/zapbox,${libexecdir}/zapbox,' \
        ${D}${nonarch_base_libdir}/udev/rules.d/70-zapbox-remote.rules
    install -D -m 0755 ${S}/board/udev/load-rc-keymaps ${D}${libexecdir}/zapbox/load-rc-keymaps

    install -d ${D}${sysconfdir}/zapbox ${D}${sysconfdir}/default
    printf '{\n  "board": "%s"\n}\n' "${ZAPBOX_BOARD}" > ${D}${sysconfdir}/zapbox/config.json
    printf 'SLINT_BACKEND=%s\n' "${ZAPBOX_SLINT_BACKEND}" > ${D}${sysconfdir}/default/zapbox
}

PACKAGE_ARCH = "${MACHINE_ARCH}"

FILES:${PN} += "\
    ${nonarch_libdir}/sysusers.d \
    ${nonarch_libdir}/sysctl.d \
    ${systemd_unitdir}/logind.conf.d \
    ${nonarch_base_libdir}/udev/rules.d \
    ${sysconfdir}/rc_keymaps \
"
CONFFILES:${PN} = "${sysconfdir}/zapbox/config.json ${sysconfdir}/default/zapbox"

# GStreamer elements the player builds pipelines from (package = plugin library name).
RDEPENDS:${PN} = "\
    fontconfig \
    gstreamer1.0-plugins-bad-dash \
    gstreamer1.0-plugins-bad-hls \
    gstreamer1.0-plugins-bad-mpegtsdemux \
    gstreamer1.0-plugins-bad-videoparsersbad \
    gstreamer1.0-plugins-base-alsa \
    gstreamer1.0-plugins-base-app \
    gstreamer1.0-plugins-base-audioconvert \
    gstreamer1.0-plugins-base-audioresample \
    gstreamer1.0-plugins-base-playback \
    gstreamer1.0-plugins-base-typefindfunctions \
    gstreamer1.0-plugins-base-videoconvertscale \
    gstreamer1.0-plugins-base-volume \
    gstreamer1.0-plugins-good-audioparsers \
    gstreamer1.0-plugins-good-autodetect \
    gstreamer1.0-plugins-good-isomp4 \
    gstreamer1.0-plugins-good-rtp \
    gstreamer1.0-plugins-good-rtpmanager \
    gstreamer1.0-plugins-good-udp \
    ttf-dejavu-sans \
"
# Hardware decoding and KMS output where the machine has them (gstreamer1.0-plugins-bad_%.bbappend
# enables kms and v4l2codecs per SoC); HTTP sources and adaptive demuxers for OTT; libav for software
# decoding and AAC/AC-3/MP2 audio (LICENSE_FLAGS "commercial": accept it, see README).
RRECOMMENDS:${PN} = "\
    gstreamer1.0-libav \
    gstreamer1.0-plugins-bad-kms \
    gstreamer1.0-plugins-bad-v4l2codecs \
    gstreamer1.0-plugins-good-adaptivedemux2 \
    gstreamer1.0-plugins-good-soup \
    gstreamer1.0-plugins-good-video4linux2 \
"
