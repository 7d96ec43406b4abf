// SPDX-License-Identifier: GPL-3.0-or-later
//! The host side of the VM tests: packs this very test binary, its shared libraries, busybox and the
//! kernel modules a test names (with their dependencies and parameters) into an initramfs (newc cpio,
//! written here), boots Debian's kernel under QEMU (TCG, no KVM) and reads the guest's results from the
//! serial console. Shared by `input_qemu` (evdev, uinput) and `cec_qemu` (vivid's CEC adapters).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HOW_TO_INSTALL: &str = "run `.ci/bootstrap deps` (installs qemu-system-x86 and busybox-static and \
     unpacks Debian's linux-image kernel with its input and media modules into ~/.cache/zapbox/vm-kernel)";

/// One VM test: its name, the modules to load (dependencies are found and loaded first) with
/// their parameters, and how many result lines a complete run prints at least.
pub struct Vm {
    pub name: &'static str,
    pub modules: &'static [(&'static str, &'static str)],
    pub min_results: usize,
}

/// The test binary's `main`: inside the VM (`--in-vm`) runs `guest`; on the host behaves like one
/// libtest test named `vm.name` (listed, honouring name filters so `cargo test keymap` boots nothing).
pub fn main(vm: &Vm, guest: fn() -> i32) {
    if std::env::args().any(|a| a == "--in-vm") {
        std::process::exit(guest());
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        println!("{}: test", vm.name);
        return;
    }
    let takes_value = [
        "--test-threads",
        "--skip",
        "--format",
        "--color",
        "--logfile",
        "-Z",
    ];
    let filters: Vec<&String> = (0..args.len())
        .filter(|i| !args[*i].starts_with('-'))
        .filter(|i| *i == 0 || !takes_value.contains(&args[*i - 1].as_str()))
        .map(|i| &args[i])
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| vm.name.contains(f.as_str())) {
        println!("test result: ok. 0 passed; 0 failed; 1 filtered out");
        return;
    }
    match run(vm) {
        Ok(()) => println!("test {} ... ok", vm.name),
        Err(e) => {
            eprintln!("test {} ... FAILED\n{e}", vm.name);
            std::process::exit(1);
        }
    }
}

pub fn run(vm: &Vm) -> Result<(), String> {
    let kernel_dir = kernel_dir();
    let vmlinuz = kernel_dir.join("vmlinuz");
    let qemu = which("qemu-system-x86_64");
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let (Some(qemu), Some(busybox), true) = (qemu, busybox, vmlinuz.is_file()) else {
        return Err(format!(
            "the VM tests need qemu-system-x86_64, a static busybox and a kernel at {}: {HOW_TO_INSTALL}",
            vmlinuz.display()
        ));
    };
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let initrd = work.path().join("initrd.cpio");
    build_initramfs(vm, &initrd, &busybox, &kernel_dir, work.path())?;
    let console = boot(vm, &qemu, &vmlinuz, &initrd)?;
    verdict(vm, &console)
}

/// Where `.ci/bootstrap` unpacks the kernel (`ZAPBOX_VM_KERNEL` overrides).
fn kernel_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ZAPBOX_VM_KERNEL") {
        return dir.into();
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    cache.join("zapbox/vm-kernel")
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

const INIT: &str = "#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
for m in /modules/*.ko; do
  [ -e \"$m\" ] || continue
  args=\"\"; [ -f ${m%.ko}.args ] && args=$(/bin/busybox cat ${m%.ko}.args)
  /bin/busybox insmod $m $args || echo \"ZAPBOX-VM insmod $m failed\"
done
echo ZAPBOX-VM BOOTED
/zapbox-vm-check --in-vm
echo \"ZAPBOX-VM EXIT $?\"
/bin/busybox poweroff -f
";

fn build_initramfs(vm: &Vm, out: &Path, busybox: &Path, modules: &Path, work: &Path) -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let stripped = work.join("zapbox-vm-check");
    let strip = Command::new("strip").arg("-o").arg(&stripped).arg(&me).status();
    let check_binary = if strip.is_ok_and(|s| s.success()) {
        stripped
    } else {
        me.clone()
    };
    let mut cpio = super::cpio::Archive::default();
    cpio.file("init", 0o755, INIT.as_bytes().to_vec());
    cpio.char_device("dev/console", 5, 1);
    cpio.copy("bin/busybox", 0o755, busybox)?;
    cpio.copy("zapbox-vm-check", 0o755, &check_binary)?;
    for lib in shared_libraries(&me)? {
        let inside = lib.to_string_lossy().trim_start_matches('/').to_string();
        cpio.copy(&inside, 0o755, &lib)?;
    }
    let wanted: Vec<&str> = vm.modules.iter().map(|(name, _)| *name).collect();
    for (i, module) in module_load_order(modules, &wanted)?.iter().enumerate() {
        let name = module
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        cpio.copy(&format!("modules/{i:02}-{name}"), 0o644, module)?;
        let stem = name.trim_end_matches(".ko").replace('-', "_");
        if let Some((_, args)) = vm
            .modules
            .iter()
            .find(|(m, a)| m.replace('-', "_") == stem && !a.is_empty())
        {
            cpio.file(
                &format!("modules/{i:02}-{}.args", name.trim_end_matches(".ko")),
                0o644,
                args.as_bytes().to_vec(),
            );
        }
    }
    std::fs::write(out, cpio.finish()).map_err(|e| format!("writing {}: {e}", out.display()))
}

/// What `ldd` lists for the binary (absolute paths).
fn shared_libraries(binary: &Path) -> Result<Vec<PathBuf>, String> {
    let output = Command::new("ldd")
        .arg(binary)
        .output()
        .map_err(|e| format!("ldd: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(text
        .lines()
        .filter_map(|line| {
            let path = line.split("=>").last()?.split_whitespace().next()?;
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect())
}

/// The modules `wanted` and what they depend on (`depends=` in their `.modinfo`), dependencies first.
fn module_load_order(dir: &Path, wanted: &[&str]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}; {HOW_TO_INSTALL}", d.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path)
            } else {
                files.push(path)
            }
        }
    }
    let find = |name: &str| -> Option<PathBuf> {
        let normal = |s: &str| s.replace('-', "_");
        let wanted = normal(&format!("{name}.ko"));
        files
            .iter()
            .find(|f| {
                f.file_name()
                    .is_some_and(|n| normal(&n.to_string_lossy()) == wanted)
            })
            .cloned()
    };
    let mut order: Vec<PathBuf> = Vec::new();
    fn visit(
        name: &str,
        find: &dyn Fn(&str) -> Option<PathBuf>,
        order: &mut Vec<PathBuf>,
    ) -> Result<(), String> {
        let file =
            find(name).ok_or_else(|| format!("kernel module {name}.ko not found; {HOW_TO_INSTALL}"))?;
        if order.contains(&file) {
            return Ok(());
        }
        let bytes = std::fs::read(&file).map_err(|e| e.to_string())?;
        let depends = bytes
            .windows(8)
            .position(|w| w == b"depends=")
            .map(|at| {
                bytes[at + 8..]
                    .split(|b| *b == 0)
                    .next()
                    .unwrap_or_default()
                    .to_vec()
            })
            .unwrap_or_default();
        for dep in String::from_utf8_lossy(&depends)
            .split(',')
            .filter(|d| !d.is_empty())
        {
            visit(dep, find, order)?;
        }
        order.push(file);
        Ok(())
    }
    for name in wanted {
        visit(name, &find, &mut order)?;
    }
    Ok(order)
}

/// Boots the VM and returns everything it printed on the serial console.
fn boot(vm: &Vm, qemu: &Path, vmlinuz: &Path, initrd: &Path) -> Result<String, String> {
    let started = Instant::now();
    let mut child = Command::new(qemu)
        .args(["-m", "256", "-nographic", "-no-reboot", "-kernel"])
        .arg(vmlinuz)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", "console=ttyS0 quiet panic=-1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", qemu.display()))?;
    let mut stdout = child.stdout.take().ok_or("no stdout from qemu")?;
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stdout.read_to_end(&mut text);
        String::from_utf8_lossy(&text).to_string()
    });
    let limit = Duration::from_secs(300);
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(_) => break,
            None if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                let console = reader.join().unwrap_or_default();
                return Err(format!(
                    "the VM did not power off within {limit:?}; console:\n{console}"
                ));
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let console = reader.join().map_err(|_| "console reader panicked".to_string())?;
    eprintln!("{}: VM ran {:.1} s", vm.name, started.elapsed().as_secs_f64());
    Ok(console)
}

fn verdict(vm: &Vm, console: &str) -> Result<(), String> {
    let results: Vec<&str> = console
        .lines()
        .filter(|l| l.contains("ZAPBOX-VM"))
        .map(str::trim)
        .collect();
    for line in &results {
        eprintln!("{line}");
    }
    let failed = results
        .iter()
        .any(|l| l.contains(" FAIL ") || l.contains("insmod"));
    let done = results.iter().any(|l| l.starts_with("ZAPBOX-VM DONE failed=0"));
    let count = results
        .iter()
        .filter(|l| l.starts_with("ZAPBOX-VM RESULT"))
        .count();
    if failed || !done || count < vm.min_results {
        return Err(format!(
            "{} scenarios in the VM failed ({count} results); console:\n{console}",
            vm.name
        ));
    }
    Ok(())
}
