use quiver::{
    chunk_key, doc_key, ChunkUnit, Embedder, Error, Index, IndexKind, Metric, OpenMode, Options,
    SearchOptions, Status, TextOptions, MAX_DOC_KEY,
};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const K: usize = 10;

const DOCS: [&str; 5] = [
    "The cat sat on the mat and watched the birds in the garden.",
    "Vector search finds nearest neighbours in HNSW graphs quickly.",
    "A recipe for apple pie: flour, butter, apples, sugar and cinnamon.",
    "The Rust borrow checker explained with lifetimes and references.",
    "Trains leave the central station every ten minutes on weekdays.",
];

fn expect_status<T: std::fmt::Debug>(r: Result<T, Error>, s: Status) -> Error {
    let e = r.expect_err(&format!("expected {:?}", s));
    assert_eq!(e.status, s, "{}", e);
    assert!(!e.message.is_empty(), "empty message for {:?}", s);
    e
}

/// A deterministic toy embedder: a letter histogram folded into 16 bins.
fn letters(t: &str) -> Vec<f32> {
    let mut v = vec![0f32; 16];
    for c in t.to_lowercase().bytes() {
        if c.is_ascii_lowercase() {
            v[((c - b'a') % 16) as usize] += 1.0;
        }
    }
    v[15] += 0.5; // never the zero vector
    v
}

fn cosine_distance(a: &[f32], b: &[f32]) -> f32 {
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        dot += (*x as f64) * (*y as f64);
        na += (*x as f64) * (*x as f64);
        nb += (*y as f64) * (*y as f64);
    }
    (1.0 - dot / (na * nb).sqrt()) as f32
}

#[test]
fn text_search_finds_documents_and_passages() {
    let emb = Embedder::hashing(256).unwrap();
    let ix = Index::new(
        Options::new(256)
            .kind(IndexKind::Hnsw)
            .metric(Metric::Cosine),
    )
    .unwrap();
    expect_status(ix.search_text("cat", 3), Status::InvalidArgument); // no embedder yet
    ix.set_embedder(Some(&emb)).unwrap();
    ix.set_text_options(&TextOptions {
        unit: ChunkUnit::Tokens,
        chunk_size: 6,
        chunk_overlap: 2,
    })
    .unwrap();
    ix.add_texts(&[10, 20, 30, 40, 50], &DOCS).unwrap();
    assert!(
        ix.count().unwrap() > DOCS.len(),
        "documents are split into chunks"
    );

    let hits = ix.search_text("apple pie with cinnamon", 3).unwrap();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0].doc_key, 30, "{:?}", hits);
    assert_eq!(doc_key(hits[0].chunk_key), 30);
    assert!(hits[0].passage.contains("apple"), "{:?}", hits[0]);
    assert_eq!(
        hits.iter().map(|h| h.doc_key).collect::<HashSet<_>>().len(),
        3,
        "distinct documents"
    );

    let chunks = ix.search_text_chunks("apple pie with cinnamon", 4).unwrap();
    assert_eq!(chunks.len(), 4);
    assert_eq!(chunks[0].doc_key, 30);
    assert_eq!(
        chunks[0].passage,
        ix.metadata_string(chunks[0].chunk_key).unwrap()
    );

    let not30 = |key: u64| doc_key(key) != 30;
    let filtered = ix
        .search_text_with(
            "apple pie with cinnamon",
            2,
            &SearchOptions {
                filter: Some(&not30),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(
        filtered.iter().all(|h| h.doc_key != 30),
        "filter sees chunk keys: {:?}",
        filtered
    );

    let before = ix.search_text("trains at the station", 3).unwrap();
    assert_eq!(before[0].doc_key, 50);
    let dir = std::env::temp_dir().join(format!("quiver-rust-text-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("text.qv");
    ix.save(&file).unwrap();

    ix.remove_text(30).unwrap();
    assert!(ix
        .search_text("apple pie with cinnamon", 5)
        .unwrap()
        .iter()
        .all(|h| h.doc_key != 30));
    expect_status(ix.remove_text(30), Status::NotFound);
    expect_status(ix.add_text(10, "again"), Status::DuplicateKey);
    let nul = expect_status(ix.add_text(60, "a\0b"), Status::InvalidArgument);
    assert!(nul.message.contains("NUL"), "{}", nul);
    expect_status(
        ix.add_text(MAX_DOC_KEY + 1, "key too large"),
        Status::InvalidArgument,
    );
    expect_status(ix.search_text("   ", 3), Status::InvalidArgument);
    expect_status(ix.add_texts(&[1, 2], &["one"]), Status::InvalidArgument);
    expect_status(
        ix.set_text_options(&TextOptions {
            chunk_size: 4,
            chunk_overlap: 4,
            ..Default::default()
        }),
        Status::InvalidArgument,
    );
    let small = Embedder::hashing(64).unwrap();
    expect_status(ix.set_embedder(Some(&small)), Status::DimensionMismatch);
    assert_eq!(
        ix.search_text("trains at the station", 3).unwrap()[0].doc_key,
        50,
        "the attached embedder stays"
    );

    let mm = Index::open(&file, OpenMode::Mmap).unwrap();
    expect_status(mm.search_text("trains", 3), Status::InvalidArgument);
    mm.set_embedder(Some(&emb)).unwrap();
    assert_eq!(
        mm.search_text("trains at the station", 3).unwrap(),
        before,
        "same answers after mmap"
    );
    expect_status(mm.add_text(99, "read-only"), Status::Unsupported);
    drop(mm);
    std::fs::remove_dir_all(&dir).unwrap();

    let d = TextOptions::default();
    assert_eq!(
        (d.unit, d.chunk_size, d.chunk_overlap),
        (ChunkUnit::Characters, 800, 100),
        "C defaults"
    );
    assert_eq!(chunk_key(7, 3), (7 << 16) | 3);
}

#[test]
fn text_search_matches_brute_force() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    ];
    let mut seed = 5u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 8) as usize
    };
    let n = 2000usize;
    let docs: Vec<u64> = (0..n as u64).map(|i| 3 * i + 1).collect();
    let texts: Vec<String> = (0..n)
        .map(|_| (0..6).map(|_| words[next()]).collect::<Vec<_>>().join(" "))
        .collect();
    let ix = Index::new(
        Options::new(16)
            .kind(IndexKind::Flat)
            .metric(Metric::Cosine),
    )
    .unwrap();
    {
        // The index must keep the closure alive after the Embedder is dropped.
        let emb = Embedder::from_fn(16, move |batch: &[String]| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(batch.iter().map(|t| letters(t)).collect())
        })
        .unwrap();
        ix.set_embedder(Some(&emb)).unwrap();
    }
    ix.add_texts(&docs, &texts).unwrap();
    assert_eq!(ix.count().unwrap(), n, "one chunk per short document");
    let query = "delta echo golf hotel";
    let q = letters(query);
    let d: Vec<f32> = texts
        .iter()
        .map(|t| cosine_distance(&letters(t), &q))
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| d[a].partial_cmp(&d[b]).unwrap());
    let hits = ix.search_text(query, K).unwrap();
    assert_eq!(hits.len(), K);
    for (i, h) in hits.iter().enumerate() {
        // Ties may order differently; the distance at each rank must match brute force.
        assert!(
            (h.distance - d[order[i]]).abs() < 1e-4,
            "rank {}: {:?} vs {}",
            i,
            h,
            d[order[i]]
        );
        let row = ((h.doc_key - 1) / 3) as usize;
        assert!((d[row] - h.distance).abs() < 1e-4, "distance of {:?}", h);
        assert_eq!(h.chunk_key, chunk_key(h.doc_key, 0));
        assert_eq!(h.passage, texts[row]);
    }
    assert!(
        calls.load(Ordering::SeqCst) >= 2,
        "the closure embedded documents and the query"
    );

    {
        let bad = Embedder::from_fn(16, |_: &[String]| Err("model offline".to_string())).unwrap();
        ix.set_embedder(Some(&bad)).unwrap();
    }
    let e = expect_status(ix.add_text(999_999, "new words"), Status::Embedding);
    assert!(e.message.contains("model offline"), "{}", e);
    assert_eq!(ix.count().unwrap(), n, "a failed add_text adds nothing");
    expect_status(ix.search_text("delta", 3), Status::Embedding);
    ix.set_embedder(None).unwrap();
    expect_status(ix.search_text("delta", 3), Status::InvalidArgument);
}
