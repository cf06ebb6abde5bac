//! The binding copies the status list, the enums, the struct layouts and the
//! function prototypes of include/quiver/quiver.h by hand (ffi.rs, lib.rs);
//! this test reads the header and fails when they drift apart.

use crate::*;
use std::collections::HashMap;

fn header() -> String {
    let path = std::env::var("QUIVER_HEADER").unwrap_or_else(|_| {
        format!(
            "{}/../../include/quiver/quiver.h",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {} (set QUIVER_HEADER): {}", path, e))
}

fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// The text between `{` and `}` of `typedef <what> <name> {`.
fn body(header: &str, what: &str, name: &str) -> String {
    let open = format!("typedef {} {} {{", what, name);
    let start = header
        .find(&open)
        .unwrap_or_else(|| panic!("quiver.h has no {} {}", what, name));
    let rest = &header[start + open.len()..];
    strip_comments(&rest[..rest.find('}').unwrap()])
}

/// The enumerators of `typedef enum name`, in order, with their values.
fn enum_values(header: &str, name: &str) -> Vec<(String, i32)> {
    let mut next = 0;
    body(header, "enum", name)
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let mut parts = item.splitn(2, '=');
            let id = parts.next().unwrap().trim().to_string();
            if let Some(v) = parts.next() {
                next = v.trim().parse().unwrap();
            }
            next += 1;
            (id, next - 1)
        })
        .collect()
}

/// The field names of `typedef struct name`, in order.
fn struct_fields(header: &str, name: &str) -> Vec<String> {
    body(header, "struct", name)
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|decl| {
            // "uint32_t dim", "const char* api_key", "int (*filter)(uint64_t key, void* user)"
            if let Some(p) = decl.find("(*") {
                return decl[p + 2..decl[p..].find(')').unwrap() + p].to_string();
            }
            decl.rsplit(|c: char| c.is_whitespace() || c == '*')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn statuses_match_the_header() {
    let h = header();
    let statuses = enum_values(&h, "qv_status");
    assert_eq!(statuses[0], ("QV_OK".to_string(), 0));
    for (name, value) in &statuses[1..] {
        let s = Status::from_code(*value);
        assert!(
            !matches!(s, Status::Unknown(_)),
            "{} = {} is missing from Status",
            name,
            value
        );
        assert_eq!(s.code(), *value, "{}", name);
        assert_eq!(&s.name(), name, "Status::from_code({})", value);
    }
    let next = statuses.last().unwrap().1 + 1;
    assert_eq!(
        Status::from_code(next),
        Status::Unknown(next),
        "Status knows a code quiver.h does not"
    );
}

#[test]
fn enums_match_the_header() {
    let h = header();
    let expect: HashMap<&str, Vec<(&str, i32)>> = HashMap::from([
        (
            "qv_metric",
            vec![
                ("QV_METRIC_L2", Metric::L2 as i32),
                ("QV_METRIC_IP", Metric::Ip as i32),
                ("QV_METRIC_COSINE", Metric::Cosine as i32),
            ],
        ),
        (
            "qv_storage",
            vec![
                ("QV_STORAGE_F32", Storage::F32 as i32),
                ("QV_STORAGE_F16", Storage::F16 as i32),
                ("QV_STORAGE_I8", Storage::I8 as i32),
                ("QV_STORAGE_B1", Storage::B1 as i32),
            ],
        ),
        (
            "qv_index_kind",
            vec![
                ("QV_INDEX_FLAT", IndexKind::Flat as i32),
                ("QV_INDEX_HNSW", IndexKind::Hnsw as i32),
            ],
        ),
        (
            "qv_open_mode",
            vec![
                ("QV_OPEN_LOAD", OpenMode::Load as i32),
                ("QV_OPEN_MMAP", OpenMode::Mmap as i32),
            ],
        ),
        (
            "qv_verify_mode",
            vec![
                ("QV_VERIFY_ALL", VerifyMode::All as i32),
                ("QV_VERIFY_DEFERRED", VerifyMode::Deferred as i32),
            ],
        ),
        (
            "qv_chunk_unit",
            vec![
                ("QV_CHUNK_CHARACTERS", ChunkUnit::Characters as i32),
                ("QV_CHUNK_TOKENS", ChunkUnit::Tokens as i32),
            ],
        ),
        (
            "qv_embed_task",
            vec![
                ("QV_EMBED_DOCUMENT", EmbedTask::Document as i32),
                ("QV_EMBED_QUERY", EmbedTask::Query as i32),
            ],
        ),
    ]);
    for (name, rust) in expect {
        let header: Vec<(String, i32)> = enum_values(&h, name);
        let rust: Vec<(String, i32)> = rust.into_iter().map(|(n, v)| (n.to_string(), v)).collect();
        assert_eq!(header, rust, "enum {}: quiver.h vs the Rust binding", name);
    }
}

#[test]
fn struct_layouts_match_the_header() {
    // The field order of every struct ffi.rs declares; the C sizes follow
    // from it on every platform Rust and C agree on (repr(C)).
    let h = header();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "qv_index_options",
            vec![
                "struct_size",
                "dim",
                "metric",
                "kind",
                "hnsw_m",
                "hnsw_ef_construction",
                "hnsw_ef_search",
                "seed",
                "threads",
                "storage",
                "keep_originals",
            ],
        ),
        (
            "qv_search_params",
            vec![
                "struct_size",
                "ef",
                "filter",
                "filter_user",
                "threads",
                "rerank",
                "keyword_weight",
            ],
        ),
        (
            "qv_save_options",
            vec![
                "struct_size",
                "compress_vectors",
                "compress_graph",
                "zstd_level",
            ],
        ),
        (
            "qv_open_options",
            vec!["struct_size", "mode", "verify", "threads"],
        ),
        (
            "qv_index_info",
            vec![
                "struct_size",
                "kind",
                "metric",
                "dim",
                "count",
                "deleted",
                "metadata_count",
                "hnsw_m",
                "hnsw_ef_construction",
                "hnsw_ef_search",
                "seed",
                "read_only",
                "storage",
                "keeps_originals",
            ],
        ),
        (
            "qv_text_options",
            vec!["struct_size", "unit", "chunk_size", "chunk_overlap"],
        ),
        (
            "qv_gemini_options",
            vec![
                "struct_size",
                "api_key",
                "base_url",
                "model",
                "output_dim",
                "batch_size",
                "requests_per_minute",
                "max_retries",
                "timeout_ms",
                "connect_timeout_ms",
                "initial_backoff_ms",
                "max_backoff_ms",
                "max_retry_delay_ms",
                "max_concurrent_requests",
            ],
        ),
    ];
    for (name, rust) in cases {
        let header = struct_fields(&h, name);
        assert_eq!(header, rust, "struct {}: quiver.h vs ffi.rs: declare the new fields in ffi.rs (a struct the library fills with its _init() is written past its Rust size otherwise)", name);
    }
}

/// The Rust spelling of a C type as ffi.rs declares it: `const char* const*`
/// is `*const *const c_char`, an enum crosses as `c_int` (qv_status as its
/// alias), a function pointer typedef as `Option<qv_embed_fn>`.
fn rust_type(c: &str, enums: &[String]) -> String {
    let spaced = c.replace('*', " * ");
    let mut tokens = spaced.split_whitespace().peekable();
    let base_const = tokens.peek() == Some(&"const");
    if base_const {
        tokens.next();
    }
    let base = tokens.next().unwrap_or("void");
    // For each `*`, innermost first: whether the pointer itself is const.
    let mut levels: Vec<bool> = Vec::new();
    for t in tokens {
        match t {
            "*" => levels.push(false),
            "const" => *levels.last_mut().expect("const before *") = true,
            other => panic!("parity test: unexpected '{}' in the C type '{}'", other, c),
        }
    }
    let base = match base {
        "uint64_t" => "u64".to_string(),
        "uint32_t" => "u32".to_string(),
        "size_t" => "usize".to_string(),
        "float" => "f32".to_string(),
        "int" => "c_int".to_string(),
        "unsigned" => "c_uint".to_string(),
        "char" => "c_char".to_string(),
        "void" => "c_void".to_string(),
        "qv_embed_fn" => "Option<qv_embed_fn>".to_string(),
        e if e != "qv_status" && enums.iter().any(|n| n == e) => "c_int".to_string(),
        other => other.to_string(),
    };
    let mut out = String::new();
    for i in (0..levels.len()).rev() {
        let pointee_const = if i == 0 { base_const } else { levels[i - 1] };
        out.push_str(if pointee_const { "*const " } else { "*mut " });
    }
    out + &base
}

/// name -> (parameters as (name, Rust type), Rust return type or "") of every
/// QV_API function of quiver.h.
type Prototypes = HashMap<String, (Vec<(String, String)>, String)>;

fn header_functions(h: &str) -> Prototypes {
    let code = strip_comments(h);
    let enums: Vec<String> = code
        .match_indices("typedef enum ")
        .map(|(i, _)| {
            code[i + 13..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut fns = HashMap::new();
    for (i, _) in code.match_indices("QV_API ") {
        let decl = &code[i + 7..];
        let Some(open) = decl.find('(') else { continue };
        let head = &decl[..open];
        // `#define QV_API ...` lines are not prototypes.
        if !head
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '*' || c.is_whitespace())
        {
            continue;
        }
        let Some(at) = head
            .trim_end()
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        else {
            continue;
        };
        let name_at = at + 1;
        let name = head.trim_end()[name_at..].to_string();
        if !name.starts_with("qv_") {
            continue;
        }
        let ret = rust_type(&head[..name_at], &enums);
        let close = decl.find(')').unwrap();
        let params = decl[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "void")
            .map(|p| {
                let at = p
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap()
                    + 1;
                let pname = if &p[at..] == "fn" { "f" } else { &p[at..] }; // a Rust keyword
                (pname.to_string(), rust_type(&p[..at], &enums))
            })
            .collect();
        fns.insert(
            name,
            (params, if ret == "c_void" { String::new() } else { ret }),
        );
    }
    fns
}

/// The same for the `extern "C"` block of ffi.rs.
fn ffi_functions() -> Prototypes {
    let src = include_str!("ffi.rs");
    let block = &src[src
        .find("extern \"C\" {")
        .expect("ffi.rs has no extern block")..];
    let mut fns = HashMap::new();
    for (i, _) in block.match_indices("pub fn ") {
        let decl = &block[i + 7..];
        let open = decl.find('(').unwrap();
        let close = decl.find(')').unwrap();
        let end = decl.find(';').unwrap();
        let params = decl[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (n, t) = p.split_once(':').unwrap();
                (
                    n.trim().to_string(),
                    t.split_whitespace().collect::<Vec<_>>().join(" "),
                )
            })
            .collect();
        let ret = decl[close + 1..end]
            .trim()
            .trim_start_matches("->")
            .trim()
            .to_string();
        fns.insert(decl[..open].to_string(), (params, ret));
    }
    fns
}

#[test]
fn function_declarations_match_the_header() {
    let header = header_functions(&header());
    let ffi = ffi_functions();
    assert!(
        ffi.len() > 40,
        "found only {} declarations in ffi.rs",
        ffi.len()
    );
    for (name, rust) in &ffi {
        let c = header
            .get(name)
            .unwrap_or_else(|| panic!("{}: declared in ffi.rs, not in quiver.h", name));
        assert_eq!(rust, c, "{}: ffi.rs (left) vs quiver.h (right)", name);
    }
    // The document calls of quiver.h ("Documents") and the copying reads
    // (safe while another thread changes the key) are all declared.
    for name in [
        "qv_index_upsert_text",
        "qv_index_document_chunks",
        "qv_index_copy_document",
        "qv_index_list_documents",
        "qv_index_document_count",
        "qv_index_copy_metadata",
    ] {
        assert!(ffi.contains_key(name), "{}: declare it in ffi.rs", name);
    }
}
