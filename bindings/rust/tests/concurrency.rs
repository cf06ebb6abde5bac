//! The C API lets adds run while other threads search: through an
//! `Arc<Index>` and `&self` methods, without a Mutex.
use quiver::{Index, IndexKind, Options};
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
