// Puts the directory the quiver crate linked libquiver from on this
// program's rpath, so it runs without LD_LIBRARY_PATH from any prefix.
fn main() {
    if let Ok(dir) = std::env::var("DEP_QUIVER_LIBDIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
    }
}
