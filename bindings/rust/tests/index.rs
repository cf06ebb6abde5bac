use quiver::{Error, Hit, Index, IndexKind, Metric, OpenMode, Options, SearchOptions, Status};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

const DIM: usize = 32;
const N: usize = 3000;
const K: usize = 10;

/// xorshift64*: a fixed-seed generator (no crates).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        ((x >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

fn random_vectors(n: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..n * DIM).map(|_| r.next_f32()).collect()
}

fn keys(n: usize) -> Vec<u64> {
    (0..n as u64).map(|i| 1000 + 7 * i).collect()
}

fn row(data: &[f32], r: usize) -> &[f32] {
    &data[r * DIM..(r + 1) * DIM]
}

fn l2(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The exact k nearest keys by brute force, nearest first, among keys passing keep.
fn brute_force(
    data: &[f32],
    keys: &[u64],
    q: &[f32],
    k: usize,
    keep: &dyn Fn(u64) -> bool,
) -> Vec<u64> {
    let mut c: Vec<(f32, u64)> = keys
        .iter()
        .enumerate()
        .filter(|(_, &key)| keep(key))
        .map(|(i, &key)| (l2(row(data, i), q), key))
        .collect();
    c.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
    c.into_iter().take(k).map(|(_, key)| key).collect()
}

fn hit_keys(hits: &[Hit]) -> Vec<u64> {
    hits.iter().map(|h| h.key).collect()
}

fn expect_status<T: std::fmt::Debug>(r: Result<T, Error>, s: Status) -> Error {
    let e = r.expect_err("expected an error");
    assert_eq!(e.status, s, "{}", e);
    assert!(!e.message.is_empty(), "empty message for {:?}", s);
    e
}

fn build_flat(data: &[f32], keys: &[u64]) -> Index {
    let ix = Index::new(
        Options::new(DIM as u32)
            .kind(IndexKind::Flat)
            .metric(Metric::L2),
    )
    .unwrap();
    ix.add_batch(keys, data).unwrap();
    ix
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("quiver-rust-{}-{}", name, std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn version_is_semver() {
    let v = quiver::version();
    assert_eq!(v.split('.').count(), 3, "{}", v);
    assert!(quiver::version_number() >= 100);
}

#[test]
fn flat_search_is_exact() {
    let (data, keys, queries) = (random_vectors(N, 1), keys(N), random_vectors(20, 2));
    let ix = build_flat(&data, &keys);
    assert_eq!(ix.count().unwrap(), N);
    for q in 0..20 {
        let hits = ix.search(row(&queries, q), K).unwrap();
        let want = brute_force(&data, &keys, row(&queries, q), K, &|_| true);
        assert_eq!(hit_keys(&hits), want, "query {}", q);
        assert!(hits.windows(2).all(|w| w[0].distance <= w[1].distance));
        let d0 = l2(
            row(&data, ((want[0] - 1000) / 7) as usize),
            row(&queries, q),
        );
        assert!((hits[0].distance - d0).abs() <= 1e-4 * d0.max(1.0));
    }
}

#[test]
fn hnsw_recall_and_batch() {
    let (data, keys) = (random_vectors(N, 3), keys(N));
    let nq = 50;
    let queries = random_vectors(nq, 4);
    let ix = Index::new(Options::new(DIM as u32).kind(IndexKind::Hnsw).seed(7)).unwrap();
    ix.add_batch(&keys, &data).unwrap();
    let batch = ix.search_batch(&queries, K).unwrap();
    let mut hit = 0;
    for q in 0..nq {
        let want: HashSet<u64> = brute_force(&data, &keys, row(&queries, q), K, &|_| true)
            .into_iter()
            .collect();
        let one = ix.search(row(&queries, q), K).unwrap();
        assert_eq!(
            hit_keys(&one),
            hit_keys(&batch[q]),
            "batch == single, query {}",
            q
        );
        hit += one.iter().filter(|h| want.contains(&h.key)).count();
    }
    let recall = hit as f64 / (nq * K) as f64;
    println!("HNSW recall@{} = {:.3}", K, recall);
    assert!(recall >= 0.9, "recall {}", recall);
}

#[test]
fn filter_keeps_only_accepted_keys() {
    let (data, keys, queries) = (random_vectors(N, 5), keys(N), random_vectors(8, 6));
    let ix = build_flat(&data, &keys);
    let calls = AtomicUsize::new(0);
    let filter = |key: u64| {
        calls.fetch_add(1, Ordering::Relaxed);
        key % 2 == 0
    };
    let mut opts = SearchOptions {
        filter: Some(&filter),
        ..Default::default()
    };
    for q in 0..8 {
        let hits = ix.search_with(row(&queries, q), K, &opts).unwrap();
        assert_eq!(
            hit_keys(&hits),
            brute_force(&data, &keys, row(&queries, q), K, &|k| k % 2 == 0)
        );
    }
    assert!(calls.load(Ordering::Relaxed) > 0);
    opts.threads = 2;
    let batch = ix.search_batch_with(&queries, K, &opts).unwrap();
    for q in 0..8 {
        assert_eq!(
            hit_keys(&batch[q]),
            brute_force(&data, &keys, row(&queries, q), K, &|k| k % 2 == 0)
        );
    }
}

#[test]
fn filter_panic_reaches_caller() {
    let data = random_vectors(200, 7);
    let ix = build_flat(&data, &keys(200));
    let boom = |_: u64| -> bool { panic!("boom") };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let opts = SearchOptions {
            filter: Some(&boom),
            ..Default::default()
        };
        ix.search_with(row(&data, 0), K, &opts)
    }));
    let payload = r.expect_err("no panic");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
}

#[test]
fn get_remove_count() {
    let (data, keys) = (random_vectors(100, 8), keys(100));
    let ix = build_flat(&data, &keys);
    assert_eq!(ix.get(keys[5]).unwrap(), row(&data, 5));
    ix.remove(keys[5]).unwrap();
    assert_eq!(ix.count().unwrap(), 99);
    assert!(ix
        .search(row(&data, 5), 3)
        .unwrap()
        .iter()
        .all(|h| h.key != keys[5]));
    expect_status(ix.get(keys[5]), Status::NotFound);
    expect_status(ix.remove(keys[5]), Status::NotFound);
    ix.add(keys[5], row(&data, 5)).unwrap();
    assert_eq!(ix.search(row(&data, 5), 1).unwrap()[0].key, keys[5]);
}

#[test]
fn errors_are_quiver_errors() {
    let ix = Index::new(Options::new(DIM as u32).kind(IndexKind::Flat)).unwrap();
    let v = random_vectors(1, 9);
    ix.add(42, &v).unwrap();
    let dup = expect_status(ix.add(42, &v), Status::DuplicateKey);
    assert!(dup.message.contains("42"), "{}", dup);
    assert!(
        dup.to_string().starts_with("QV_ERR_DUPLICATE_KEY"),
        "{}",
        dup
    );
    expect_status(ix.add(43, &vec![0.0; DIM - 1]), Status::DimensionMismatch);
    expect_status(ix.search(&vec![0.0; DIM + 1], 3), Status::DimensionMismatch);
    let k0 = expect_status(ix.search(&v, 0), Status::InvalidArgument);
    assert!(k0.message.contains('k'), "{}", k0);
    let mut nan = v.clone();
    nan[3] = f32::NAN;
    expect_status(ix.add(44, &nan), Status::InvalidArgument);
    expect_status(
        Index::open("/nonexistent/quiver/index.qv", OpenMode::Load),
        Status::NotFound,
    );
    expect_status(Index::new(Options::new(0)), Status::InvalidArgument);
}

#[test]
fn metadata_round_trip() {
    let ix = Index::new(Options::new(DIM as u32).kind(IndexKind::Flat)).unwrap();
    ix.add(1, &random_vectors(1, 10)).unwrap();
    ix.set_metadata(1, "{\"title\": \"café\"}".as_bytes())
        .unwrap();
    assert_eq!(ix.metadata_string(1).unwrap(), "{\"title\": \"café\"}");
    ix.set_metadata(1, &[0, 1, 2, 255]).unwrap();
    assert_eq!(ix.metadata(1).unwrap(), vec![0, 1, 2, 255]);
    expect_status(ix.set_metadata(2, b"x"), Status::NotFound);
    ix.set_metadata(1, &[]).unwrap();
    expect_status(ix.metadata(1), Status::NotFound);
}

#[test]
fn save_and_mmap_give_same_answers() {
    let (data, keys, queries) = (random_vectors(N, 11), keys(N), random_vectors(20, 12));
    let dir = temp_dir("save");
    let file = dir.join("index.qv");
    let before = {
        let ix = Index::new(Options::new(DIM as u32).kind(IndexKind::Hnsw).seed(3)).unwrap();
        ix.add_batch(&keys, &data).unwrap();
        ix.set_metadata(keys[0], b"first").unwrap();
        let before = ix.search_batch(&queries, K).unwrap();
        ix.save(&file).unwrap();
        before
    };
    {
        let mm = Index::open(&file, OpenMode::Mmap).unwrap();
        assert_eq!(mm.count().unwrap(), N);
        assert_eq!(mm.search_batch(&queries, K).unwrap(), before);
        assert_eq!(mm.metadata_string(keys[0]).unwrap(), "first");
        let info = mm.info().unwrap();
        assert!(info.read_only && info.kind == IndexKind::Hnsw && info.dim == DIM as u32);
        expect_status(mm.add(1, row(&data, 0)), Status::Unsupported);
        expect_status(mm.remove(keys[1]), Status::Unsupported);
    }
    {
        let ld = Index::open(&file, OpenMode::Load).unwrap();
        assert_eq!(ld.search_batch(&queries, K).unwrap(), before);
        ld.remove(keys[1]).unwrap();
        assert_eq!(ld.count().unwrap(), N - 1);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn index_is_shared_across_threads() {
    let (data, keys) = (random_vectors(1000, 13), keys(1000));
    let ix = build_flat(&data, &keys);
    std::thread::scope(|s| {
        for t in 0..4 {
            let ix = &ix;
            let data = &data;
            let keys = &keys;
            s.spawn(move || {
                for q in (t..100).step_by(4) {
                    assert_eq!(ix.search(row(data, q), 1).unwrap()[0].key, keys[q]);
                }
            });
        }
    });
}

#[test]
fn hashing_embedder_finds_the_right_text() {
    use quiver::{EmbedTask, Embedder};
    let docs = [
        "the cat sat on the mat",
        "vector search with hnsw graphs",
        "a recipe for apple pie",
        "rust borrow checker explained",
    ];
    let emb = Embedder::hashing(256).unwrap();
    assert_eq!(emb.dim(), 256);
    let ix = Index::new(
        Options::new(256)
            .kind(IndexKind::Flat)
            .metric(Metric::Cosine),
    )
    .unwrap();
    let vecs = emb.embed(&docs, EmbedTask::Document).unwrap();
    for (i, v) in vecs.iter().enumerate() {
        ix.add(i as u64, v).unwrap();
    }
    let q = emb
        .embed_one("searching vectors in an HNSW graph", EmbedTask::Query)
        .unwrap();
    assert_eq!(ix.search(&q, 1).unwrap()[0].key, 1);
    assert_eq!(
        emb.embed_one(docs[2], EmbedTask::Document).unwrap(),
        vecs[2]
    );
}

#[test]
fn callback_embedder_runs_rust_code() {
    use quiver::{EmbedTask, Embedder};
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let emb = Embedder::from_fn(4, move |texts| {
        seen2.lock().unwrap().extend(texts.iter().cloned());
        Ok(texts
            .iter()
            .map(|t| {
                vec![
                    t.chars().count() as f32,
                    t.chars().next().map_or(0.0, |c| c as u32 as f32),
                    1.0,
                    0.0,
                ]
            })
            .collect())
    })
    .unwrap();
    let v = emb.embed(&["abc", "café"], EmbedTask::Document).unwrap();
    assert_eq!(v[0], vec![3.0, 'a' as u32 as f32, 1.0, 0.0]);
    assert_eq!(v[1][0], 4.0);
    assert_eq!(seen.lock().unwrap()[1], "café");

    let bad = Embedder::from_fn(4, |_| Err("model not loaded".to_string())).unwrap();
    let e = expect_status(bad.embed(&["x"], EmbedTask::Document), Status::Embedding);
    assert!(e.message.contains("model not loaded"), "{}", e);
    let panicky = Embedder::from_fn(4, |_| panic!("gpu on fire")).unwrap();
    let e = expect_status(
        panicky.embed(&["x"], EmbedTask::Document),
        Status::Embedding,
    );
    assert!(e.message.contains("gpu on fire"), "{}", e);
    let wrong = Embedder::from_fn(4, |_| Ok(vec![vec![1.0, 2.0]])).unwrap();
    expect_status(wrong.embed(&["x"], EmbedTask::Document), Status::Embedding);
    expect_status(Embedder::hashing(0), Status::InvalidArgument);
}

#[test]
fn gemini_options_are_checked() {
    use quiver::{Embedder, GeminiOptions};
    let good = Embedder::gemini(&GeminiOptions {
        api_key: Some("test-key".into()),
        output_dim: Some(256),
        max_retries: Some(0),
        ..Default::default()
    });
    let bad = GeminiOptions {
        api_key: Some("k".into()),
        base_url: Some("ftp://example.invalid".into()),
        ..Default::default()
    };
    if matches!(&good, Err(e) if e.status == Status::Unsupported) {
        // A libquiver built with QV_WITH_GEMINI=OFF refuses every Gemini
        // embedder, and says how it was built.
        let e = expect_status(good, Status::Unsupported);
        assert!(e.message.contains("without the Gemini embedder"), "{}", e);
        expect_status(Embedder::gemini(&bad), Status::Unsupported);
        eprintln!("gemini_options_are_checked: skipped, libquiver built without Gemini");
        return;
    }
    let g = good.unwrap();
    assert_eq!(g.dim(), 256);
    expect_status(Embedder::gemini(&bad), Status::InvalidArgument);
}
