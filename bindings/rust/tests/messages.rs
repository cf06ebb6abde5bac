//! Error messages speak Rust: a read-only index, a text call without an
//! embedder and bad option values give messages that name no C identifier
//! (no qv_ call, no QV_ constant, no NULL) and name options as `Options`
//! spells them.
use quiver::{Error, Index, IndexKind, Metric, OpenMode, Options, Status};

fn message_of<T: std::fmt::Debug>(r: Result<T, Error>, s: Status) -> String {
    let e = r.expect_err("expected an error");
    assert_eq!(e.status, s, "{}", e);
    assert!(!e.message.is_empty(), "empty message for {:?}", s);
    for c in ["qv_", "QV_", "NULL"] {
        assert!(
            !e.message.contains(c),
            "the message names C ({}): {}",
            c,
            e.message
        );
    }
    e.message
}

#[test]
fn a_read_only_index_says_how_to_open_it_for_changes() {
    let dir = std::env::temp_dir().join(format!("quiver-rust-messages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ro.qv");
    {
        let ix = Index::new(Options::new(8).kind(IndexKind::Flat)).unwrap();
        ix.add(1, &[1.0; 8]).unwrap();
        ix.save(&path).unwrap();
    }
    let mm = Index::open(&path, OpenMode::Mmap).unwrap();
    let m = message_of(mm.add(2, &[1.0; 8]), Status::Unsupported);
    assert!(m.contains("read-only") && m.contains("loading"), "{}", m);
    let m = message_of(mm.remove(1), Status::Unsupported);
    assert!(m.contains("read-only"), "{}", m);
    drop(mm);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_text_call_without_an_embedder_says_to_attach_one() {
    let ix = Index::new(Options::new(8).kind(IndexKind::Flat).metric(Metric::Cosine)).unwrap();
    let m = message_of(ix.add_text(1, "hello"), Status::InvalidArgument);
    assert!(m.contains("no embedder is attached"), "{}", m);
    let m = message_of(ix.search_text("hello", 2), Status::InvalidArgument);
    assert!(m.contains("no embedder is attached"), "{}", m);
}

#[test]
fn bad_option_values_are_named_as_options_spells_them() {
    let m = message_of(
        Index::new(Options::new(8).hnsw_m(1)),
        Status::InvalidArgument,
    );
    assert!(
        m.starts_with("hnsw_m is 1; it must be between 2 and 256"),
        "{}",
        m
    );
    let m = message_of(
        Index::new(Options::new(8).hnsw_ef_search(0)),
        Status::InvalidArgument,
    );
    assert!(m.starts_with("hnsw_ef_search must be at least 1"), "{}", m);
    let m = message_of(Index::new(Options::new(0)), Status::InvalidArgument);
    assert!(m.starts_with("dim is 0"), "{}", m);
    let m = message_of(
        Index::new(
            Options::new(8)
                .storage(quiver::Storage::B1)
                .metric(Metric::L2),
        ),
        Status::InvalidArgument,
    );
    assert!(m.contains("B1") && m.contains("L2"), "{}", m);
}
