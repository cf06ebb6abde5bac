// A Rust program outside the repository, built by check_install.sh against
// the installed Quiver only (pkg-config), as bindings/rust/README.md says.
use quiver::{Index, IndexKind, Metric, Options, SearchOptions};

fn main() -> Result<(), quiver::Error> {
    let ix = Index::new(Options::new(4).kind(IndexKind::Hnsw).metric(Metric::Cosine))?;
    ix.add(42, &[1.0, 0.0, 0.0, 0.0])?;
    ix.add_batch(&[7, 8], &[0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0])?;
    let not_eight = |k: u64| k != 8;
    let opts = SearchOptions { filter: Some(&not_eight), ..Default::default() };
    let hits = ix.search_with(&[1.0, 0.1, 0.0, 0.0], 2, &opts)?;
    println!("quiver {} nearest: {}", quiver::version(), hits[0].key);
    if let Err(e) = ix.add(42, &[1.0, 0.0, 0.0, 0.0]) {
        println!("{}", e); // QV_ERR_DUPLICATE_KEY: key 42 is already in the index; ...
    }
    Ok(())
}
