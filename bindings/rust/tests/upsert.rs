//! Index::upsert over qv_index_upsert: a new key is added, a live key gets
//! its new vector (found by a search for it, metadata kept, count
//! unchanged), bad vectors and read-only indexes are refused.
use quiver::{Error, Index, IndexKind, Metric, OpenMode, Options, Status};

const DIM: usize = 16;

fn vectors(n: usize, seed: usize) -> Vec<f32> {
    (0..n * DIM)
        .map(|i| (((i + seed) * 7919) % 1013) as f32 / 1013.0)
        .collect()
}

fn row(data: &[f32], r: usize) -> &[f32] {
    &data[r * DIM..(r + 1) * DIM]
}

fn expect_status<T: std::fmt::Debug>(r: Result<T, Error>, s: Status) -> Error {
    let e = r.expect_err("expected an error");
    assert_eq!(e.status, s, "{}", e);
    assert!(!e.message.is_empty(), "empty message for {:?}", s);
    e
}

fn l2_index(kind: IndexKind, n: usize) -> (Index, Vec<f32>) {
    let ix = Index::new(Options::new(DIM as u32).kind(kind).metric(Metric::L2)).unwrap();
    let data = vectors(n, 3);
    ix.add_batch(&(0..n as u64).collect::<Vec<_>>(), &data)
        .unwrap();
    (ix, data)
}

#[test]
fn upsert_adds_a_new_key_and_replaces_a_live_one() {
    for kind in [IndexKind::Flat, IndexKind::Hnsw] {
        let (ix, data) = l2_index(kind, 200);
        ix.set_metadata(7, b"seven").unwrap();

        let fresh: Vec<f32> = (0..DIM).map(|j| 5.0 + j as f32).collect();
        ix.upsert(500, &fresh).unwrap(); // a new key: added
        assert_eq!(ix.count().unwrap(), 201, "{:?}", kind);
        assert_eq!(ix.get(500).unwrap(), fresh);

        // Far from every other vector (they lie in [0, 1)).
        let moved: Vec<f32> = row(&data, 7).iter().map(|x| x - 9.0).collect();
        ix.upsert(7, &moved).unwrap(); // a live key: replaced
        assert_eq!(ix.count().unwrap(), 201, "{:?}", kind);
        assert_eq!(ix.get(7).unwrap(), moved);
        let hits = ix.search(&moved, 3).unwrap();
        assert_eq!((hits[0].key, hits[0].distance), (7, 0.0), "{:?}", kind);
        assert_eq!(ix.metadata_string(7).unwrap(), "seven");
    }
}

#[test]
fn upsert_refuses_bad_vectors() {
    let (ix, data) = l2_index(IndexKind::Hnsw, 3);
    let mut bad = row(&data, 1).to_vec();
    bad[3] = f32::NAN;
    expect_status(ix.upsert(1, &bad), Status::InvalidArgument);
    bad[3] = f32::INFINITY;
    expect_status(ix.upsert(9, &bad), Status::InvalidArgument);
    expect_status(ix.upsert(1, &[0.5; DIM - 1]), Status::DimensionMismatch);
    assert_eq!(ix.count().unwrap(), 3);
    assert_eq!(ix.get(1).unwrap(), row(&data, 1));
    let cos = Index::new(Options::new(DIM as u32).metric(Metric::Cosine)).unwrap();
    expect_status(cos.upsert(1, &[0.0; DIM]), Status::InvalidArgument);
}

#[test]
fn upsert_on_a_read_only_index_is_unsupported() {
    let dir = std::env::temp_dir().join(format!("quiver-rust-upsert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("index.qv");
    let (ix, data) = l2_index(IndexKind::Hnsw, 10);
    ix.save(&file).unwrap();
    drop(ix);
    {
        let mm = Index::open(&file, OpenMode::Mmap).unwrap();
        expect_status(mm.upsert(1, row(&data, 0)), Status::Unsupported);
        expect_status(mm.upsert(99, row(&data, 0)), Status::Unsupported);
        assert_eq!(mm.count().unwrap(), 10);
        assert_eq!(mm.get(1).unwrap(), row(&data, 1));
    }
    {
        let ld = Index::open(&file, OpenMode::Load).unwrap();
        ld.upsert(1, row(&data, 0)).unwrap();
        assert_eq!(ld.get(1).unwrap(), row(&data, 0));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
