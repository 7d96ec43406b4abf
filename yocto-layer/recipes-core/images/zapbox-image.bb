# SPDX-License-Identifier: GPL-3.0-or-later
SUMMARY = "Image that boots to the zapbox TV application"
DESCRIPTION = "A small systemd image: boot, network, time synchronisation and zapbox started as \
               a sandboxed service that draws on the display through DRM/KMS."
# nooelint: oelint.vars.homepageping - checked over the network, which CI and build sandboxes lack
HOMEPAGE = "https://github.com/zapbox/zapbox"
BUGTRACKER = "https://github.com/zapbox/zapbox/issues"
SECTION = "images"
LICENSE = "MIT"
# An image has no product of its own to match CVEs against; its packages carry theirs.
CVE_PRODUCT = ""

inherit core-image features_check

# The service, its watchdog and the sandbox are systemd's (default INIT_MANAGER of wrynose nodistro).
REQUIRED_DISTRO_FEATURES = "systemd"

IMAGE_INSTALL = "\
    packagegroup-core-boot \
    packagegroup-zapbox \
    ${CORE_IMAGE_EXTRA_INSTALL} \
"
IMAGE_LINGUAS = ""
