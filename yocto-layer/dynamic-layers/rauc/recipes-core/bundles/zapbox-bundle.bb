# nooelint: oelint.file.underscores,oelint.var.mandatoryvar.SRC_URI,oelint.var.bbclassextend - like an image: no version, no sources, target only
# SPDX-License-Identifier: GPL-3.0-or-later
SUMMARY = "RAUC update bundle of zapbox-image"
DESCRIPTION = "A signed RAUC bundle (verity format) that writes zapbox-image into the inactive \
               rootfs slot of an A/B system: bitbake zapbox-bundle, then on the box \
               rauc install zapbox-bundle-MACHINE.raucb and reboot."
# nooelint: oelint.vars.homepageping - checked over the network, which CI and build sandboxes lack
HOMEPAGE = "https://github.com/zapbox/zapbox"
BUGTRACKER = "https://github.com/zapbox/zapbox/issues"
SECTION = "base"
LICENSE = "GPL-3.0-or-later"
# nooelint: oelint.var.licenseremotefile - no source tree of its own: the common licence text
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/GPL-3.0-or-later;md5=1c76c4cc354acaac30ed4d5eefea7245"
# A bundle has no product of its own to match CVEs against; its image's packages carry theirs.
CVE_PRODUCT = ""

inherit bundle

# verity: the box checks each block as it reads it, and can install from a URL (streaming).
RAUC_BUNDLE_FORMAT = "verity"
# Must equal "compatible" in the box's /etc/rauc/system.conf (rauc-conf.bbappend): RAUC refuses a bundle
# made for another machine.
RAUC_BUNDLE_COMPATIBLE = "zapbox-${MACHINE}"
RAUC_BUNDLE_VERSION = "${DISTRO_VERSION}"
RAUC_BUNDLE_DESCRIPTION = "zapbox-image for ${MACHINE}"
RAUC_BUNDLE_SLOTS = "rootfs"
RAUC_SLOT_rootfs = "zapbox-image"
RAUC_SLOT_rootfs[fstype] = "ext4"
# Signing: set RAUC_KEY_FILE and RAUC_CERT_FILE (full paths) in local.conf or a bbappend; the box's
# keyring (RAUC_KEYRING_FILE of rauc-conf) must hold the CA that signed the certificate.
