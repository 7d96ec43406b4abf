// SPDX-License-Identifier: GPL-3.0-or-later
//! A minimal writer of the "newc" cpio format the kernel unpacks as an initramfs
//! (`Documentation/driver-api/early-userspace/buffer-format.rst`), so the test needs neither `cpio` nor
//! root for the `/dev/console` node.

use std::collections::BTreeSet;
use std::path::Path;

#[derive(Default)]
pub struct Archive {
    bytes: Vec<u8>,
    dirs: BTreeSet<String>,
    inode: u32,
}

impl Archive {
    pub fn file(&mut self, path: &str, mode: u32, data: Vec<u8>) {
        self.parents(path);
        self.entry(path, 0o100000 | mode, (0, 0), &data);
    }

    pub fn copy(&mut self, path: &str, mode: u32, from: &Path) -> Result<(), String> {
        let data = std::fs::read(from).map_err(|e| format!("reading {}: {e}", from.display()))?;
        self.file(path, mode, data);
        Ok(())
    }

    pub fn char_device(&mut self, path: &str, major: u32, minor: u32) {
        self.parents(path);
        self.entry(path, 0o020000 | 0o600, (major, minor), &[]);
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        self.bytes
    }

    fn parents(&mut self, path: &str) {
        let parts: Vec<&str> = path.split('/').collect();
        for end in 1..parts.len() {
            let dir = parts[..end].join("/");
            if self.dirs.insert(dir.clone()) {
                self.entry(&dir, 0o040000 | 0o755, (0, 0), &[]);
            }
        }
    }

    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
        self.inode += 1;
        let fields = [
            self.inode,
            mode,
            0,
            0,
            1,
            0,
            data.len() as u32,
            0,
            0,
            rdev.0,
            rdev.1,
        ];
        let mut header = String::from("070701");
        for field in fields {
            header.push_str(&format!("{field:08x}"));
        }
        header.push_str(&format!("{:08x}{:08x}", name.len() + 1, 0));
        self.bytes.extend_from_slice(header.as_bytes());
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(0);
        self.pad();
        self.bytes.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
        }
    }
}
