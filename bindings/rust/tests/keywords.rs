//! Keyword search (BM25 over metadata text) and hybrid search (meaning and
//! exact words by reciprocal rank fusion).

use quiver::{
    chunk_key, doc_key, Embedder, Error, Index, IndexKind, KeywordHit, Metric, Options,
    SearchOptions, Status,
};
use std::collections::HashSet;

const TEXTS: [(u64, &str); 4] = [
    (1, "red apples and green pears"),
    (2, "the quick brown fox"),
    (3, "apples apples apples everywhere"),
    (4, "nothing to see here"),
];

const DOCS: [&str; 5] = [
    "Honeybees make honey from the nectar of flowers inside the hive.",
    "Steam locomotives pulled the first trains across the country.",
    "The violin and the cello are string instruments. Part number ZX4711.",
    "Volcanoes erupt molten rock called lava from deep under the crust.",
    "Glaciers carve valleys as the ice slowly moves downhill.",
];

fn expect_status<T: std::fmt::Debug>(r: Result<T, Error>, s: Status) -> Error {
    let e = r.expect_err(&format!("expected {:?}", s));
    assert_eq!(e.status, s, "{}", e);
    assert!(!e.message.is_empty(), "empty message for {:?}", s);
    e
}

fn keyword_index() -> Index {
    let ix = Index::new(Options::new(4).kind(IndexKind::Flat).metric(Metric::L2)).unwrap();
    for (key, text) in TEXTS {
        ix.add(key, &[key as f32, 1.0, 2.0, 3.0]).unwrap();
        ix.set_metadata(key, text.as_bytes()).unwrap();
    }
    ix
}

fn keys(hits: &[KeywordHit]) -> Vec<u64> {
    hits.iter().map(|h| h.key).collect()
}

fn assert_descending_positive(scores: &[f32]) {
    assert!(scores.iter().all(|&s| s > 0.0), "{:?}", scores);
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{:?}", scores);
}

#[test]
fn keywords_find_the_words() {
    let ix = keyword_index();
    let hits = ix.search_keywords("apples", 10).unwrap();
    assert_eq!(keys(&hits), vec![3, 1]); // three apples outrank one
    assert_descending_positive(&hits.iter().map(|h| h.score).collect::<Vec<_>>());
    assert_eq!(keys(&ix.search_keywords("FOX", 1).unwrap()), vec![2]);
    let not3 = |k: u64| k != 3;
    let hits = ix
        .search_keywords_with(
            "apples",
            4,
            &SearchOptions {
                filter: Some(&not3),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(keys(&hits), vec![1]);
}

#[test]
fn keywords_follow_metadata_changes() {
    let ix = keyword_index();
    ix.search_keywords("fox", 1).unwrap(); // builds the keyword index first
    ix.set_metadata(2, b"a lazy dog sleeps").unwrap();
    assert!(!keys(&ix.search_keywords("fox", 4).unwrap()).contains(&2));
    let hits = ix.search_keywords("lazy dog", 4).unwrap();
    assert_eq!(hits[0].key, 2);
    assert!(hits[0].score > 0.0);
}

#[test]
fn keywords_blank_and_bad_arguments() {
    let ix = keyword_index();
    assert!(ix.search_keywords(" \t ", 3).unwrap().is_empty());
    expect_status(ix.search_keywords("apples", 0), Status::InvalidArgument);
    expect_status(ix.search_keywords("app\0les", 3), Status::InvalidArgument);
}

#[test]
fn hybrid_puts_the_exact_token_first() {
    let ix = Index::new(
        Options::new(256)
            .kind(IndexKind::Flat)
            .metric(Metric::Cosine),
    )
    .unwrap();
    expect_status(ix.search_hybrid("ZX4711", 3), Status::InvalidArgument); // no embedder yet
    let emb = Embedder::hashing(256).unwrap();
    ix.set_embedder(Some(&emb)).unwrap();
    ix.add_texts(&[1, 2, 3, 4, 5], &DOCS).unwrap();

    let hits = ix.search_hybrid("ZX4711", 5).unwrap();
    assert_eq!(hits[0].doc_key, 3, "{:?}", hits);
    assert_eq!(doc_key(hits[0].chunk_key), 3);
    assert!(hits[0].passage.contains("ZX4711"));
    let docs: HashSet<u64> = hits.iter().map(|h| h.doc_key).collect();
    assert_eq!(docs.len(), hits.len(), "documents repeat: {:?}", hits);
    assert_descending_positive(&hits.iter().map(|h| h.score).collect::<Vec<_>>());
    expect_status(ix.search_hybrid("   ", 3), Status::InvalidArgument);
    expect_status(ix.search_hybrid("ZX4711", 0), Status::InvalidArgument);

    ix.set_embedder(None).unwrap();
    expect_status(ix.search_hybrid("ZX4711", 3), Status::InvalidArgument);
    let kw = ix.search_keywords("zx4711", 1).unwrap(); // keywords need no embedder
    assert_eq!(keys(&kw), vec![chunk_key(3, 0)]);
}

/// The fused score of `doc` as quiver.h defines it: 1 / (60 + rank by
/// meaning) + weight / (60 + rank by words), ranks from 1, a ranking that
/// does not hold the document adding nothing.
fn fused(doc: u64, by_meaning: &[u64], by_words: &[u64], weight: f64) -> f64 {
    let term = |ranking: &[u64], w: f64| {
        ranking
            .iter()
            .position(|&d| d == doc)
            .map_or(0.0, |r| w / (60.0 + (r + 1) as f64))
    };
    term(by_meaning, 1.0) + term(by_words, weight)
}

#[test]
fn hybrid_keyword_weight_weighs_the_keyword_ranking() {
    let ix = Index::new(
        Options::new(256)
            .kind(IndexKind::Flat)
            .metric(Metric::Cosine),
    )
    .unwrap();
    ix.set_embedder(Some(&Embedder::hashing(256).unwrap()))
        .unwrap();
    ix.add_texts(&[1, 2, 3, 4, 5], &DOCS).unwrap();
    // A query the two rankings disagree on (each document is one chunk).
    let query = "honey trains";
    let by_meaning: Vec<u64> = ix
        .search_text(query, 5)
        .unwrap()
        .iter()
        .map(|h| h.doc_key)
        .collect();
    let by_words: Vec<u64> = ix
        .search_keywords(query, 5)
        .unwrap()
        .iter()
        .map(|h| doc_key(h.key))
        .collect();
    assert_ne!(
        by_meaning[0], by_words[0],
        "{:?} {:?}",
        by_meaning, by_words
    );
    let hybrid = |weight: f32| {
        ix.search_hybrid_with(
            query,
            5,
            &SearchOptions {
                keyword_weight: weight,
                ..Default::default()
            },
        )
        .unwrap()
    };
    // Every score is the formula's, for the default (0 = equal weights) and
    // for the keyword ranking weighted up and down.
    for (weight, as_used) in [(0.0f32, 1.0f64), (2.5, 2.5), (0.25, 0.25)] {
        let hits = hybrid(weight);
        assert_eq!(hits.len(), 5);
        for h in &hits {
            let want = fused(h.doc_key, &by_meaning, &by_words, as_used);
            assert!(
                (h.score as f64 - want).abs() < 1e-6,
                "weight {}: document {} scored {}, the formula gives {}",
                weight,
                h.doc_key,
                h.score,
                want
            );
        }
    }
    // A large weight puts the keyword ranking's first document first, a tiny
    // one the meaning ranking's.
    assert_eq!(hybrid(1000.0)[0].doc_key, by_words[0]);
    assert_eq!(hybrid(0.001)[0].doc_key, by_meaning[0]);
    // Out of range: refused by the library, naming the field.
    for bad in [-1.0f32, 1000.5, f32::NAN, f32::INFINITY] {
        let e = expect_status(
            ix.search_hybrid_with(
                query,
                3,
                &SearchOptions {
                    keyword_weight: bad,
                    ..Default::default()
                },
            ),
            Status::InvalidArgument,
        );
        assert!(e.message.contains("keyword_weight"), "{}", e);
    }
}
