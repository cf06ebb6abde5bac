//! open_with_options, deferred verification and verify.
use quiver::{Index, IndexKind, OpenMode, OpenOptions, Options, Status, Storage, VerifyMode};
use std::path::PathBuf;

const DIM: usize = 16;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("quiver-rust-{}-{}", name, std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn saved_index(dir: &PathBuf) -> (PathBuf, Vec<f32>) {
    let ix = Index::new(Options::new(DIM as u32).kind(IndexKind::Hnsw).seed(9)).unwrap();
    let n = 3000usize;
    let data: Vec<f32> = (0..n * DIM)
        .map(|i| ((i * 7919) % 1013) as f32 / 1013.0)
        .collect();
    ix.add_batch(&(0..n as u64).collect::<Vec<_>>(), &data)
        .unwrap();
    let path = dir.join("index.qv");
    ix.save(&path).unwrap();
    (path, data)
}

#[test]
fn deferred_open_then_verify_finds_damage() {
    let dir = temp_dir("verify");
    let (path, data) = saved_index(&dir);
    let opts = OpenOptions {
        mode: OpenMode::Mmap,
        verify: VerifyMode::Deferred,
        threads: 2,
    };
    {
        let mm = Index::open_with_options(&path, &opts).unwrap();
        mm.verify().unwrap();
        assert_eq!(mm.search(&data[..DIM], 1).unwrap()[0].key, 0);
        assert!(mm.info().unwrap().read_only);
    }
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xFF;
    std::fs::write(&path, &bytes).unwrap();

    let e = Index::open(&path, OpenMode::Mmap).unwrap_err();
    assert_eq!(e.status, Status::Corrupt, "{}", e);
    let mm = Index::open_with_options(&path, &opts).unwrap();
    let e = mm.verify().unwrap_err();
    assert_eq!(e.status, Status::Corrupt);
    assert!(e.message.contains(path.to_str().unwrap()), "{}", e);
    assert_eq!(
        mm.verify().unwrap_err(),
        e,
        "the same message on every call"
    );
    drop(mm);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_reports_a_truncated_file_instead_of_crashing() {
    let dir = temp_dir("truncate");
    let (path, _) = saved_index(&dir);
    let mm = Index::open_with_options(
        &path,
        &OpenOptions {
            mode: OpenMode::Mmap,
            verify: VerifyMode::Deferred,
            threads: 0,
        },
    )
    .unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let e = mm.verify().unwrap_err();
    assert_eq!(e.status, Status::Corrupt);
    assert!(e.message.contains("size"), "{}", e);
    drop(mm);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn load_with_deferred_is_a_full_check_and_memory_has_nothing_to_verify() {
    let dir = temp_dir("load");
    let (path, _) = saved_index(&dir);
    let ld = Index::open_with_options(
        &path,
        &OpenOptions {
            verify: VerifyMode::Deferred,
            ..Default::default()
        },
    )
    .unwrap();
    ld.verify().unwrap();
    assert!(!ld.info().unwrap().read_only);
    assert!(ld.memory_bytes().unwrap() > 3000 * DIM * 4);
    let e = Index::open_with_options(dir.join("none.qv"), &OpenOptions::default()).unwrap_err();
    assert_eq!(e.status, Status::NotFound);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn storage_types_and_their_errors() {
    let ix = Index::new(Options::new(DIM as u32).storage(Storage::I8).seed(2)).unwrap();
    let info = ix.info().unwrap();
    assert_eq!((info.storage, info.keeps_originals), (Storage::I8, true));
    let v: Vec<f32> = (0..DIM).map(|i| i as f32 / 10.0).collect();
    ix.add(1, &v).unwrap();
    assert_eq!(ix.get(1).unwrap(), v, "I8 keeps the originals");
    // FLAT takes every storage type too.
    let flat = Index::new(
        Options::new(DIM as u32)
            .kind(IndexKind::Flat)
            .storage(Storage::F16),
    )
    .unwrap();
    flat.add(1, &v).unwrap();
    assert_eq!(flat.search(&v, 1).unwrap()[0].key, 1);
    let e = Index::new(Options::new(DIM as u32).storage(Storage::B1)).unwrap_err();
    assert_eq!(e.status, Status::InvalidArgument, "B1 under L2: {}", e);
}

#[test]
fn compact_takes_the_index_exclusively() {
    let mut ix = Index::new(Options::new(DIM as u32).seed(4)).unwrap();
    let data: Vec<f32> = (0..200 * DIM)
        .map(|i| ((i * 31) % 97) as f32 / 97.0)
        .collect();
    ix.add_batch(&(0..200u64).collect::<Vec<_>>(), &data)
        .unwrap();
    for k in 0..50u64 {
        ix.remove(k).unwrap();
    }
    assert_eq!(ix.info().unwrap().deleted, 50);
    ix.compact().unwrap();
    let info = ix.info().unwrap();
    assert_eq!((info.count, info.deleted), (150, 0));
    assert_eq!(ix.search(&data[60 * DIM..61 * DIM], 1).unwrap()[0].key, 60);
}
