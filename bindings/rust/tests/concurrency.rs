//! The C API lets adds run while other threads search: through an
//! `Arc<Index>` and `&self` methods, without a Mutex.
use quiver::{Document, Embedder, Index, IndexKind, Metric, Options, Status};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

const DIM: usize = 16;

fn vector(i: u64) -> Vec<f32> {
    (0..DIM)
        .map(|j| ((i * 31 + j as u64 * 17) % 101) as f32 / 101.0 + i as f32 * 1e-3)
        .collect()
}

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn index_is_send_and_sync() {
    assert_send_sync::<Index>();
    assert_send_sync::<quiver::Embedder>();
}

#[test]
fn adds_from_one_thread_while_others_search() {
    for kind in [IndexKind::Hnsw, IndexKind::Flat] {
        let ix = Arc::new(Index::new(Options::new(DIM as u32).kind(kind).seed(1)).unwrap());
        ix.add_batch(
            &(0..100).collect::<Vec<u64>>(),
            &(0..100).flat_map(vector).collect::<Vec<f32>>(),
        )
        .unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let searches = Arc::new(AtomicUsize::new(0));
        let searchers: Vec<_> = (0..3)
            .map(|t| {
                let (ix, done, searches) =
                    (Arc::clone(&ix), Arc::clone(&done), Arc::clone(&searches));
                thread::spawn(move || {
                    let mut q = t as u64;
                    // At least some searches, and on until the writer is done.
                    while !done.load(Ordering::Acquire) || searches.load(Ordering::Relaxed) < 30 {
                        let hits = ix.search(&vector(q % 100), 5).unwrap();
                        assert!(!hits.is_empty() && hits.len() <= 5);
                        ix.get(q % 100).unwrap();
                        searches.fetch_add(1, Ordering::Relaxed);
                        q += 3;
                    }
                })
            })
            .collect();
        let writer = {
            let ix = Arc::clone(&ix);
            thread::spawn(move || {
                for key in 100..1100u64 {
                    ix.add(key, &vector(key)).unwrap();
                    if key % 10 == 0 {
                        ix.set_metadata(key, format!("doc {}", key).as_bytes())
                            .unwrap();
                    }
                    if key % 7 == 0 && key >= 150 {
                        ix.remove(key - 50).unwrap(); // never one the searchers get
                    }
                }
            })
        };
        writer.join().unwrap();
        done.store(true, Ordering::Release);
        for s in searchers {
            s.join().unwrap();
        }
        let removed = (150..1100u64).filter(|k| k % 7 == 0).count();
        assert_eq!(ix.count().unwrap(), 1100 - removed, "{:?}", kind);
        // Every vector the writer added (and did not remove) is there, and found.
        for key in (100..1100u64).step_by(37) {
            if (key + 50) % 7 == 0 && key + 50 < 1100 {
                continue;
            }
            assert_eq!(ix.get(key).unwrap(), vector(key));
            assert_eq!(
                ix.search(&vector(key), 1).unwrap()[0].key,
                key,
                "{:?}",
                kind
            );
        }
        assert_eq!(ix.metadata_string(1010).unwrap(), "doc 1010");
        assert!(searches.load(Ordering::Relaxed) >= 30);
    }
}

/// Two versions of one document (and of one key's metadata) that a reader
/// can tell apart, each longer than the first buffer the binding offers, so
/// reads take the library's "call again with more room" path too.
fn version(which: usize) -> (String, Document) {
    let (letter, n) = [("a", 3000), ("b", 5000)][which];
    let text = format!(
        "version {} of the document, words {}",
        letter,
        letter.repeat(8)
    );
    let entry = Document {
        source: letter.repeat(n),
        fields: letter.to_uppercase().repeat(n + 1000),
    };
    (text, entry)
}

#[test]
fn reads_see_one_whole_version_while_another_thread_writes() {
    let ix = Arc::new(
        Index::new(
            Options::new(64)
                .kind(IndexKind::Flat)
                .metric(Metric::Cosine),
        )
        .unwrap(),
    );
    ix.set_embedder(Some(&Embedder::hashing(64).unwrap()))
        .unwrap();
    let versions = [version(0), version(1)];
    let (text, entry) = &versions[0];
    ix.upsert_text(7, text, Some(&entry.source), Some(&entry.fields))
        .unwrap();
    ix.add(1, &[1.0; 64]).unwrap();
    let metadata = [vec![b'x'; 700], vec![b'y'; 4000]];
    ix.set_metadata(1, &metadata[0]).unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (ix, done, reads) = (Arc::clone(&ix), Arc::clone(&done), Arc::clone(&reads));
            let (versions, metadata) = (versions.clone(), metadata.clone());
            thread::spawn(move || {
                while !done.load(Ordering::Acquire) || reads.load(Ordering::Relaxed) < 200 {
                    let d = ix.get_document(7).unwrap();
                    assert!(
                        d == versions[0].1 || d == versions[1].1,
                        "a torn document: source {} bytes, fields {} bytes",
                        d.source.len(),
                        d.fields.len()
                    );
                    let m = ix.metadata(1).unwrap();
                    assert!(
                        m == metadata[0] || m == metadata[1],
                        "torn metadata: {} bytes",
                        m.len()
                    );
                    // A hybrid hit's passage and source are copies too.
                    for h in ix.search_hybrid("words", 1).unwrap() {
                        assert!(
                            h.source == versions[0].1.source || h.source == versions[1].1.source
                        );
                        assert!(h.passage.is_empty() || h.passage.starts_with("version "));
                    }
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for i in 1..=200usize {
        let (text, entry) = &versions[i % 2];
        ix.upsert_text(7, text, Some(&entry.source), Some(&entry.fields))
            .unwrap();
        ix.set_metadata(1, &metadata[i % 2]).unwrap();
    }
    done.store(true, Ordering::Release);
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(ix.get_document(7).unwrap(), versions[0].1);
    assert_eq!(ix.metadata(1).unwrap(), metadata[0]);
    ix.remove(1).unwrap();
    assert_eq!(ix.metadata(1).unwrap_err().status, Status::NotFound);
}
