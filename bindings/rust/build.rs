// Finds and links libquiver, in this order:
//  1. QUIVER_LIB_DIR, when set: the directory holding libquiver.so (an
//     explicit choice wins over what is installed);
//  2. pkg-config (`pkg-config --libs quiver`): an installed Quiver, found
//     through the default search path or PKG_CONFIG_PATH;
//  3. the usual system library directories.
// Fails with what it tried when none has the library. The directory found is
// also put on the rpath of this crate's own tests and examples (cargo does
// not pass link arguments on to dependents: a program using the crate needs
// ldconfig or an rpath of its own, see README.md).
use std::path::{Path, PathBuf};
use std::process::Command;

const SYSTEM_DIRS: &[&str] = &[
    "/usr/local/lib",
    "/usr/local/lib64",
    "/usr/lib",
    "/usr/lib64",
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
];

fn has_library(dir: &Path) -> bool {
    dir.join("libquiver.so").exists() || dir.join("libquiver.dylib").exists()
}

/// The library directories pkg-config gives for quiver, or why not.
fn pkg_config() -> Result<Vec<PathBuf>, String> {
    let program = std::env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = Command::new(&program)
        .args(["--libs-only-L", "quiver"])
        .output()
        .map_err(|e| format!("`{} --libs-only-L quiver` could not run ({})", program, e))?;
    if !out.status.success() {
        return Err(format!(
            "`{} --libs-only-L quiver` failed: {}",
            program,
            String::from_utf8_lossy(&out.stderr)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    let dirs: Vec<PathBuf> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|f| f.strip_prefix("-L"))
        .map(PathBuf::from)
        .collect();
    if dirs.is_empty() {
        // quiver.pc names no -L: the library is in the linker's default path.
        return Ok(dirs);
    }
    if dirs.iter().any(|d| has_library(d)) {
        Ok(dirs)
    } else {
        Err(format!(
            "pkg-config names {:?}, which holds no libquiver.so",
            dirs
        ))
    }
}

fn link_dir(dir: &Path) {
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    // For build scripts of crates that depend on this one (DEP_QUIVER_LIBDIR).
    println!("cargo:libdir={}", dir.display());
}

fn main() {
    println!("cargo:rerun-if-env-changed=QUIVER_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG");
    println!("cargo:rustc-link-lib=dylib=quiver");
    let mut tried = Vec::new();

    match std::env::var("QUIVER_LIB_DIR") {
        Ok(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if has_library(&dir) {
                return link_dir(&dir);
            }
            tried.push(format!(
                "QUIVER_LIB_DIR={} holds no libquiver.so",
                dir.display()
            ));
        }
        _ => tried.push("QUIVER_LIB_DIR is not set".to_string()),
    }

    match pkg_config() {
        Ok(dirs) => {
            for dir in &dirs {
                link_dir(dir);
            }
            return;
        }
        Err(why) => tried.push(why),
    }

    for dir in SYSTEM_DIRS {
        if has_library(Path::new(dir)) {
            return link_dir(Path::new(dir));
        }
    }
    tried.push(format!(
        "none of {} holds libquiver.so",
        SYSTEM_DIRS.join(", ")
    ));

    eprintln!(
        "\n\nlibquiver (the Quiver C library) was not found. Tried:\n  - {}\n\n\
         Install Quiver (cmake --install build --prefix /usr/local, see the README's \
         \"Installing\"), or point PKG_CONFIG_PATH at <prefix>/lib/pkgconfig, or set \
         QUIVER_LIB_DIR to the directory holding libquiver.so.\n\n",
        tried.join("\n  - ")
    );
    std::process::exit(1);
}
