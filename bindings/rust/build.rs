// Links libquiver. QUIVER_LIB_DIR names the directory holding libquiver.so
// (CTest sets it to the build tree); without it the system paths are searched
// (an installed Quiver). The directory is also put on the rpath of this
// crate's own tests (cargo does not pass link args on to dependents: a program
// using the crate needs the directory on LD_LIBRARY_PATH or its own rpath).
fn main() {
    println!("cargo:rerun-if-env-changed=QUIVER_LIB_DIR");
    if let Ok(dir) = std::env::var("QUIVER_LIB_DIR") {
        if !dir.is_empty() {
            println!("cargo:rustc-link-search=native={}", dir);
            println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
        }
    }
    println!("cargo:rustc-link-lib=dylib=quiver");
}
