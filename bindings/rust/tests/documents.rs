//! Documents: upsert_text, document_chunks, get_document, list_documents,
//! document_count, and the source on text and hybrid hits.

use quiver::{
    doc_key, ChunkUnit, Document, Embedder, Error, Index, IndexKind, Metric, OpenMode, Options,
    Status, TextOptions, MAX_DOC_FIELDS, MAX_DOC_KEY, MAX_DOC_SOURCE,
};

fn expect_status<T: std::fmt::Debug>(r: Result<T, Error>, s: Status) -> Error {
    let e = r.expect_err(&format!("expected {:?}", s));
    assert_eq!(e.status, s, "{}", e);
    assert!(!e.message.is_empty(), "empty message for {:?}", s);
    e
}

/// A text of n distinct words, each `prefix` and its number.
fn words(prefix: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{}{}", prefix, i))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A Cosine index with the hashing embedder that chunks every 4 words (no
/// overlap): a text of n words has ceil(n/4) chunks.
fn document_index(kind: IndexKind) -> Index {
    let ix = Index::new(Options::new(128).kind(kind).metric(Metric::Cosine)).unwrap();
    ix.set_embedder(Some(&Embedder::hashing(128).unwrap()))
        .unwrap();
    ix.set_text_options(&TextOptions {
        unit: ChunkUnit::Tokens,
        chunk_size: 4,
        chunk_overlap: 0,
    })
    .unwrap();
    ix
}

/// The texts of the document's chunks, in order.
fn chunk_texts(ix: &Index, doc: u64) -> Vec<String> {
    ix.document_chunks(doc)
        .unwrap()
        .into_iter()
        .map(|k| {
            assert_eq!(doc_key(k), doc, "chunk key {:x}", k);
            ix.metadata_string(k).unwrap()
        })
        .collect()
}

fn keyword_docs(ix: &Index, query: &str) -> Vec<u64> {
    ix.search_keywords(query, 10)
        .unwrap()
        .iter()
        .map(|h| doc_key(h.key))
        .collect()
}

fn entry(source: &str, fields: &str) -> Document {
    Document {
        source: source.to_string(),
        fields: fields.to_string(),
    }
}

#[test]
fn upsert_text_replaces_a_document() {
    for kind in [IndexKind::Flat, IndexKind::Hnsw] {
        let ix = document_index(kind);
        ix.add_text(1, "zebras and lions roar").unwrap(); // one chunk

        let first = format!("zeppelin {}", words("old", 11)); // 12 words: 3 chunks
        ix.upsert_text(7, &first, Some("notes/a.md"), Some(r#"{"v":1}"#))
            .unwrap();
        assert_eq!(chunk_texts(&ix, 7).join(" "), first);
        assert_eq!(chunk_texts(&ix, 7).len(), 3);
        let old_keys = ix.document_chunks(7).unwrap();
        assert_eq!(keyword_docs(&ix, "zeppelin"), vec![7]);

        let grown = format!("quokka {}", words("new", 23)); // 24 words: 6 chunks
        ix.upsert_text(7, &grown, Some("notes/b.md"), Some(r#"{"v":2}"#))
            .unwrap();
        let texts = chunk_texts(&ix, 7);
        assert_eq!((texts.len(), texts.join(" ")), (6, grown.clone()));
        assert_eq!(
            ix.count().unwrap(),
            6 + 1,
            "{:?}: the new chunks and the neighbour",
            kind
        );
        for k in old_keys {
            expect_status(ix.get(k), Status::NotFound);
        }
        assert!(
            keyword_docs(&ix, "zeppelin").is_empty(),
            "old text still found"
        );
        assert_eq!(keyword_docs(&ix, "quokka"), vec![7]);
        let hits = ix.search_text(&grown, 1).unwrap();
        assert_eq!(
            (hits[0].doc_key, hits[0].source.as_str()),
            (7, "notes/b.md")
        );
        assert_eq!(
            ix.get_document(7).unwrap(),
            entry("notes/b.md", r#"{"v":2}"#)
        );

        ix.upsert_text(7, "wombat burrow", None, None).unwrap(); // 1 chunk, no source or fields
        assert_eq!(chunk_texts(&ix, 7), vec!["wombat burrow"]);
        assert_eq!(ix.count().unwrap(), 2);
        assert!(
            keyword_docs(&ix, "quokka").is_empty(),
            "grown text still found"
        );
        assert_eq!(ix.get_document(7).unwrap(), Document::default());
    }
}

#[test]
fn source_and_fields_round_trip() {
    let ix = document_index(IndexKind::Flat);
    let source = "notes/café/naïve – 東京.md";
    let fields = r#"{"title":"Été à Zürich","tags":["日本語","🚀"],"quote":"\"x\""}"#;
    ix.upsert_text(
        3,
        "Ein Text über Brücken und Flüsse",
        Some(source),
        Some(fields),
    )
    .unwrap();
    assert_eq!(ix.get_document(3).unwrap(), entry(source, fields));
    let long = "ü".repeat(MAX_DOC_SOURCE / 2); // exactly MAX_DOC_SOURCE bytes
    ix.upsert_text(4, "at the limit", Some(&long), Some(""))
        .unwrap();
    assert_eq!(ix.get_document(4).unwrap(), entry(&long, ""));
    // A document added with add_text has an entry without source or fields.
    ix.add_text(5, "added the old way").unwrap();
    assert_eq!(ix.get_document(5).unwrap(), Document::default());
}

#[test]
fn list_and_count_documents() {
    let ix = document_index(IndexKind::Flat);
    assert_eq!(ix.document_count().unwrap(), 0);
    assert!(ix.list_documents().unwrap().is_empty());
    // More than one page (1024 keys) of documents, in no particular order.
    let n = 1324usize;
    let docs: Vec<u64> = (0..n).map(|i| ((i * 7919) % n) as u64 * 3 + 2).collect();
    let texts: Vec<String> = (0..n).map(|i| format!("document number {}", i)).collect();
    ix.add_texts(&docs, &texts).unwrap();
    ix.upsert_text(MAX_DOC_KEY, "the largest key", Some("max"), None)
        .unwrap();
    ix.upsert_text(0, "the smallest key", Some("min"), None)
        .unwrap();
    let mut want = docs.clone();
    want.extend([0, MAX_DOC_KEY]);
    want.sort_unstable();
    assert_eq!(ix.list_documents().unwrap(), want);
    assert_eq!(ix.document_count().unwrap(), n + 2);

    ix.remove_text(docs[5]).unwrap();
    ix.remove_text(MAX_DOC_KEY).unwrap();
    assert_eq!(ix.document_count().unwrap(), n);
    let listed = ix.list_documents().unwrap();
    assert_eq!(listed.len(), n);
    assert!(!listed.contains(&docs[5]) && !listed.contains(&MAX_DOC_KEY));
    expect_status(ix.remove_text(docs[5]), Status::NotFound);
}

#[test]
fn hits_carry_the_source() {
    let ix = document_index(IndexKind::Hnsw);
    ix.upsert_text(
        1,
        "honeybees make honey from nectar in the hive",
        Some("bees.md"),
        None,
    )
    .unwrap();
    ix.upsert_text(
        2,
        "steam locomotives pulled the first trains ZX4711",
        Some("https://example.org/trains"),
        None,
    )
    .unwrap();
    ix.add_text(3, "volcanoes erupt molten lava from under the crust")
        .unwrap(); // no source
    let want = |doc: u64| match doc {
        1 => "bees.md",
        2 => "https://example.org/trains",
        _ => "",
    };

    let text = ix.search_text("honey bees hive", 3).unwrap();
    assert_eq!((text.len(), text[0].doc_key), (3, 1));
    for h in &text {
        assert_eq!(h.source, want(h.doc_key), "search_text {:?}", h);
    }
    let chunks = ix.search_text_chunks("molten lava volcanoes", 5).unwrap();
    assert_eq!(chunks[0].doc_key, 3);
    for h in &chunks {
        assert_eq!(h.source, want(h.doc_key), "search_text_chunks {:?}", h);
    }
    let hybrid = ix.search_hybrid("ZX4711 trains", 3).unwrap();
    assert_eq!(hybrid[0].doc_key, 2);
    for h in &hybrid {
        assert_eq!(h.source, want(h.doc_key), "search_hybrid {:?}", h);
    }
}

#[test]
fn documents_survive_save_and_open() {
    let dir = std::env::temp_dir().join(format!("quiver-rust-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("docs.qv");
    let chunks10 = {
        let ix = document_index(IndexKind::Hnsw);
        ix.upsert_text(10, &words("alpha", 10), Some("a.txt"), Some(r#"{"n":1}"#))
            .unwrap();
        // A second version: its chunks no longer start at 0.
        let second = format!("zeppelin {}", words("beta", 8));
        ix.upsert_text(10, &second, Some("a2.txt"), Some(r#"{"n":2}"#))
            .unwrap();
        ix.upsert_text(20, "Größe und Maß", Some("ß.md"), Some("ä"))
            .unwrap();
        ix.save(&file).unwrap();
        ix.document_chunks(10).unwrap()
    };
    let emb = Embedder::hashing(128).unwrap();
    for mode in [OpenMode::Load, OpenMode::Mmap] {
        let op = Index::open(&file, mode).unwrap();
        op.set_embedder(Some(&emb)).unwrap();
        assert_eq!(op.list_documents().unwrap(), vec![10, 20], "{:?}", mode);
        assert_eq!(op.document_count().unwrap(), 2);
        assert_eq!(op.document_chunks(10).unwrap(), chunks10);
        assert_eq!(op.get_document(20).unwrap(), entry("ß.md", "ä"));
        let hits = op.search_hybrid("zeppelin", 1).unwrap();
        assert_eq!((hits[0].doc_key, hits[0].source.as_str()), (10, "a2.txt"));
        if mode == OpenMode::Load {
            op.upsert_text(20, "ersetzt", None, None).unwrap(); // a loaded index takes upserts
            assert_eq!(op.get_document(20).unwrap(), Document::default());
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn document_errors() {
    let ix = document_index(IndexKind::Flat);
    ix.upsert_text(1, "one document", Some("src"), None)
        .unwrap();

    expect_status(ix.get_document(2), Status::NotFound);
    expect_status(ix.document_chunks(2), Status::NotFound);
    expect_status(ix.get_document(MAX_DOC_KEY + 1), Status::InvalidArgument);
    expect_status(ix.document_chunks(MAX_DOC_KEY + 1), Status::InvalidArgument);
    expect_status(
        ix.upsert_text(MAX_DOC_KEY + 1, "text", None, None),
        Status::InvalidArgument,
    );
    expect_status(
        ix.upsert_text(1, "  \n ", None, None),
        Status::InvalidArgument,
    );
    expect_status(
        ix.upsert_text(1, "text", Some("a\0b"), None),
        Status::InvalidArgument,
    );
    expect_status(
        ix.upsert_text(1, "text", None, Some("a\0b")),
        Status::InvalidArgument,
    );
    let too_long = "s".repeat(MAX_DOC_SOURCE + 1);
    expect_status(
        ix.upsert_text(1, "text", Some(&too_long), None),
        Status::InvalidArgument,
    );
    let too_many = "f".repeat(MAX_DOC_FIELDS + 1);
    expect_status(
        ix.upsert_text(1, "text", None, Some(&too_many)),
        Status::InvalidArgument,
    );
    // Refused upserts change nothing.
    assert_eq!(ix.get_document(1).unwrap(), entry("src", ""));
    assert_eq!(chunk_texts(&ix, 1), vec!["one document"]);

    let bare = Index::new(Options::new(128).metric(Metric::Cosine)).unwrap();
    expect_status(
        bare.upsert_text(1, "no embedder", None, None),
        Status::InvalidArgument,
    );

    let dir = std::env::temp_dir().join(format!("quiver-rust-docerr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("ro.qv");
    ix.save(&file).unwrap();
    let mm = Index::open(&file, OpenMode::Mmap).unwrap();
    mm.set_embedder(Some(&Embedder::hashing(128).unwrap()))
        .unwrap();
    expect_status(
        mm.upsert_text(1, "replaced", None, None),
        Status::Unsupported,
    );
    expect_status(mm.upsert_text(9, "new", None, None), Status::Unsupported);
    expect_status(mm.remove_text(1), Status::Unsupported);
    assert_eq!(mm.get_document(1).unwrap(), entry("src", ""));
    drop(mm);
    std::fs::remove_dir_all(&dir).ok();
}
