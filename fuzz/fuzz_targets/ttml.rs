// SPDX-License-Identifier: GPL-3.0-or-later
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| zapbox_fuzz::harness::run(data, zapbox_fuzz::targets::ttml));
