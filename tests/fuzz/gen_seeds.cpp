// Writes the seed corpora of the fuzz targets: valid inputs of every kind,
// made through the public API where one exists, so the fuzzers start from
// the shapes real files have instead of discovering them byte by byte.
// Deterministic; run by CTest (fixture fuzz_seeds) before the fuzzers.
//
//   gen_seeds OUTDIR [WORKDIR]
//     writes OUTDIR/{index_file,npy,vecs,gemini_response,capi}/, and, with
//     WORKDIR, empties it and creates WORKDIR/<target>/ for each target: the
//     corpus directories a short fuzz run writes to (fresh every run, so the
//     run's length does not grow with what earlier runs found).
#include <sys/stat.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include <quiver/quiver.h>

namespace {

std::string out_dir;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "gen_seeds: %s (%s)\n", what.c_str(), qv_last_error());
  std::exit(1);
}

void ok(qv_status s, const char* what) {
  if (s != QV_OK) die(std::string(what) + ": " + qv_status_string(s));
}

std::string dir(const char* target) {
  std::string d = out_dir + "/" + target;
  ::mkdir(d.c_str(), 0777);
  return d;
}

std::string read_all(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) die("cannot read " + path);
  std::string bytes;
  char buf[65536];
  size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, got);
  std::fclose(f);
  return bytes;
}

void write_seed(const std::string& d, const std::string& name, const std::string& bytes) {
  std::string path = d + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0)
    die("cannot write " + path);
}

float value(uint64_t i, uint64_t j) { return std::sin(float(i * 31 + j * 7 + 1)) * 2.0f; }

qv_index* make(qv_index_kind kind, qv_metric metric, uint32_t dim, size_t n, size_t remove_every,
               qv_storage storage = QV_STORAGE_F32, uint32_t m = 4) {
  qv_index_options o;
  qv_index_options_init(&o);
  o.storage = storage;
  o.dim = dim;
  o.kind = kind;
  o.metric = metric;
  o.hnsw_m = m;
  o.hnsw_ef_construction = 16;
  o.threads = 1;
  qv_index* index = nullptr;
  ok(qv_index_create(&o, &index), "create");
  std::vector<float> v(dim);
  for (size_t i = 0; i < n; ++i) {
    for (uint32_t j = 0; j < dim; ++j) v[j] = value(i, j);
    ok(qv_index_add(index, 100 + i, v.data()), "add");
    if (i % 3 == 0) {
      std::string meta = "doc-" + std::to_string(i);
      ok(qv_index_set_metadata(index, 100 + i, meta.data(), meta.size()), "metadata");
    }
  }
  if (remove_every)
    for (size_t i = 0; i < n; i += remove_every) ok(qv_index_remove(index, 100 + i), "remove");
  return index;
}

// ---- index files --------------------------------------------------------

void index_seeds() {
  const std::string d = dir("index_file");
  const std::string tmp = out_dir + "/tmp-index.qv";
  struct Spec {
    const char* name;
    qv_index_kind kind;
    qv_metric metric;
    uint32_t dim;
    size_t n, remove_every;
    int compress_vectors, compress_graph;
    qv_storage storage = QV_STORAGE_F32;
  } specs[] = {
      {"flat-l2", QV_INDEX_FLAT, QV_METRIC_L2, 4, 20, 0, 0, 0},
      {"flat-cosine-z", QV_INDEX_FLAT, QV_METRIC_COSINE, 16, 12, 0, 1, 0},
      {"hnsw-cosine", QV_INDEX_HNSW, QV_METRIC_COSINE, 8, 60, 4, 0, 0},
      {"hnsw-ip-z", QV_INDEX_HNSW, QV_METRIC_IP, 3, 40, 0, 1, 1},
      {"hnsw-l2-graph-z", QV_INDEX_HNSW, QV_METRIC_L2, 2, 30, 5, 0, 1},
      {"hnsw-empty", QV_INDEX_HNSW, QV_METRIC_L2, 2, 0, 0, 0, 0},
      {"hnsw-i8-l2", QV_INDEX_HNSW, QV_METRIC_L2, 5, 30, 4, 0, 0, QV_STORAGE_I8},
      {"hnsw-f16-ip", QV_INDEX_HNSW, QV_METRIC_IP, 4, 20, 0, 0, 0, QV_STORAGE_F16},
      {"hnsw-b1-cosine-z", QV_INDEX_HNSW, QV_METRIC_COSINE, 70, 20, 3, 1, 1, QV_STORAGE_B1},
  };
  for (const Spec& s : specs) {
    qv_index* index = make(s.kind, s.metric, s.dim, s.n, s.remove_every, s.storage);
    qv_save_options so;
    qv_save_options_init(&so);
    so.compress_vectors = s.compress_vectors;
    so.compress_graph = s.compress_graph;
    ok(qv_index_save_with_options(index, tmp.c_str(), &so), "save");
    qv_index_free(index);
    const std::string file = read_all(tmp);
    write_seed(d, std::string(s.name) + ".resealed", std::string(1, '\x03') + file);
    if (s.n == 20) write_seed(d, std::string(s.name) + ".raw", std::string(1, '\x00') + file);
  }
  // Text with a document table (section 12) and a keyword index: documents
  // added, upserted (with a source and fields) and removed.
  {
    qv_index* index = make(QV_INDEX_FLAT, QV_METRIC_COSINE, 8, 0, 0);
    qv_embedder* emb = nullptr;
    ok(qv_embedder_create_hashing(8, &emb), "embedder");
    ok(qv_index_set_embedder(index, emb), "attach");
    qv_embedder_free(emb);
    ok(qv_index_add_text(index, 1, "bees make honey in the hive"), "add_text");
    ok(qv_index_upsert_text(index, 2, "trains run on rails", "a/trains.md", "{\"v\":1}"), "upsert");
    ok(qv_index_upsert_text(index, 2, "steam trains", "a/trains.md", "{\"v\":2}"), "upsert");
    ok(qv_index_upsert_text(index, 3, "castling in chess", "chess.txt", nullptr), "upsert");
    ok(qv_index_remove_text(index, 1), "remove_text");
    ok(qv_index_save(index, tmp.c_str()), "save");
    qv_index_free(index);
    write_seed(d, "flat-documents.resealed", std::string(1, '\x03') + read_all(tmp));
  }
  std::remove(tmp.c_str());
}

// ---- .npy -----------------------------------------------------------------

std::string npy(const std::string& dict, const std::string& data, int major = 1) {
  std::string header = dict;
  const size_t preamble = major == 1 ? 10 : 12;
  size_t total = preamble + header.size() + 1;
  header.append((total + 63) / 64 * 64 - total, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += char(0);
  out += char(header.size() & 0xff);
  out += char((header.size() >> 8) & 0xff);
  if (major > 1) out += std::string(2, '\0');
  return out + header + data;
}

template <typename T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

void npy_seeds() {
  const std::string d = dir("npy");
  qv_index* index = make(QV_INDEX_FLAT, QV_METRIC_L2, 4, 6, 0);
  const std::string v = out_dir + "/tmp-v.npy", k = out_dir + "/tmp-k.npy";
  ok(qv_index_export_npy(index, v.c_str(), k.c_str()), "export");
  qv_index_free(index);
  write_seed(d, "exported-vectors.npy", read_all(v));
  write_seed(d, "exported-keys.npy", read_all(k));
  std::remove(v.c_str());
  std::remove(k.c_str());

  std::vector<uint16_t> halves = {0x3c00, 0x4000, 0xbc00, 0x0001, 0x7bff, 0x3555};
  write_seed(d, "f2-fortran.npy",
             npy("{'descr': '<f2', 'fortran_order': True, 'shape': (3, 2), }", raw(halves)));
  std::vector<uint8_t> be(8 * 4);
  for (size_t i = 0; i < 4; ++i) {
    double x = 0.5 * double(i) - 1;
    uint64_t bits;
    std::memcpy(&bits, &x, 8);
    for (int b = 0; b < 8; ++b) be[i * 8 + b] = uint8_t(bits >> (56 - 8 * b));
  }
  write_seed(d, "f8-big-endian.npy",
             npy("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", raw(be)));
  std::vector<float> f = {1, 2, 3, 4, 5, 6};
  write_seed(d, "f4-v2.npy",
             npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", raw(f), 2));
  write_seed(d, "f4-v3.npy",
             npy("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (3L, 2L)}", raw(f), 3));
  std::vector<int64_t> keys = {5, 0, 7};
  write_seed(d, "i8-keys.npy",
             npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", raw(keys)));
  write_seed(d, "u1-unsupported.npy",
             npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", "abcd"));
  write_seed(d, "empty-rows.npy",
             npy("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4), }", ""));
}

// ---- .fvecs / .ivecs / .bvecs ------------------------------------------------

void vecs_seeds() {
  const std::string d = dir("vecs");
  std::string fvecs(1, '\0'), ivecs(1, '\1'), bvecs(1, '\2');
  for (int r = 0; r < 3; ++r) {
    int32_t dim = 4;
    fvecs.append(reinterpret_cast<const char*>(&dim), 4);
    ivecs.append(reinterpret_cast<const char*>(&dim), 4);
    bvecs.append(reinterpret_cast<const char*>(&dim), 4);
    for (int c = 0; c < 4; ++c) {
      float x = value(r, c);
      int32_t i = r * 10 + c;
      fvecs.append(reinterpret_cast<const char*>(&x), 4);
      ivecs.append(reinterpret_cast<const char*>(&i), 4);
      bvecs += char(r * 40 + c);
    }
  }
  write_seed(d, "three.fvecs", fvecs);
  write_seed(d, "three.ivecs", ivecs);
  write_seed(d, "three.bvecs", bvecs);
}

// ---- Gemini responses ----------------------------------------------------------

void gemini_seeds() {
  const std::string d = dir("gemini_response");
  // Prefix: count byte, then (dim - 1) byte.
  write_seed(
      d, "embeddings-2x3",
      std::string("\x02\x02", 2) +
          R"({"embeddings": [{"values": [0.1, -0.2, 0.3]}, {"values": [1, 2e-3, -3.5E+1]}]})");
  write_seed(d, "embeddings-1x1",
             std::string("\x01\x00", 2) + R"({"embeddings":[{"values":[0]}]})");
  write_seed(
      d, "error-retry",
      std::string("\x01\x00", 2) +
          R"({"error": {"code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED", "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "53.5s"}]}})");
  write_seed(
      d, "error-list",
      std::string("\x01\x00", 2) +
          R"([{"error": {"code": 400, "message": "API key not valid", "status": "INVALID_ARGUMENT"}}])");
  write_seed(d, "duration", std::string("\x00\x00", 2) + "0.000000001s");
}

// ---- C API programs (the encoding fuzz_capi reads) -------------------------------

struct Program {
  std::string bytes;
  void op(int slot, int what) { bytes += char((slot << 7) | what); }
  void u8(int v) { bytes += char(v); }
  void u64(uint64_t v) { bytes.append(reinterpret_cast<const char*>(&v), 8); }
  // create: dim index, metric index, kind index, m, efc, efs, seed, threads, struct flag
  // threads_byte 1: one thread, f32; 192: one thread, i8 with originals
  // (fuzz_capi.cpp reads the storage from that byte's high values).
  void create(int slot, int dim_i, int metric_i, int kind_i, int threads_byte = 1) {
    op(slot, 0);
    u8(dim_i), u8(metric_i), u8(kind_i), u8(2), u8(1), u8(0);
    u64(7);
    u8(threads_byte), u8(0);
  }
  void vector(uint32_t dim, int seed) {
    u8(100);  // plain values
    for (uint32_t i = 0; i < dim; ++i) u8(0), u8(int8_t((seed * 13 + i * 5) % 40 - 20));
  }
  void key(int k) { u8(k); }
  // Text operations (capi_text_ops.h): the last nine operation codes.
  void text_op(int slot, int which) { op(slot, 128 - 9 + which); }
  // A text of pieces (indexes into capi_text_ops.cpp's kPieces).
  void text(std::initializer_list<int> pieces) {
    u8(int(pieces.size()));
    for (int p : pieces) u8(p);
  }
  // search_text (which 5), _chunks (6) or _ex (7): k, no params, flags.
  void text_search(int slot, int which, std::initializer_list<int> query, int k, int flags) {
    text_op(slot, which), text(query), u8(k - 1), u8(0), u8(flags);
  }
};

void capi_seeds() {
  const std::string d = dir("capi");
  for (int variant = 0; variant < 3; ++variant) {
    const int kind = variant ? 1 : 0;  // FLAT, HNSW, HNSW with i8 storage
    Program p;
    const uint32_t dim = 4;
    p.create(0, 3, kind, kind, variant == 2 ? 192 : 1);  // dims[3] = 4; metric L2/IP
    p.op(0, 2);                                          // add_batch of 8
    p.u8(8);
    for (int i = 0; i < 8; ++i) p.key(i), p.vector(dim, i);
    p.u8(0);                                            // no NULL pointers
    p.op(0, 1), p.key(20), p.vector(dim, 20), p.u8(0);  // add
    p.op(0, 4), p.vector(dim, 3), p.u8(3), p.u8(200), p.u8(2), p.u8(1), p.u8(1),
        p.bytes += std::string(8, '\x55'), p.u8(0);              // search k=4 with a filter
    p.op(0, 7), p.key(2), p.u8(5), p.bytes += "hello", p.u8(0);  // set_metadata
    p.op(0, 3), p.key(5);                                        // remove
    p.op(0, 10), p.u8(0), p.u8(0), p.u8(0);                      // save
    p.op(1, 9), p.u8(1), p.u8(0), p.u8(1), p.u8(0);              // open MMAP into slot 1
    p.op(1, 8), p.key(2);                                        // get_metadata
    p.op(1, 5), p.u8(2), p.u8(3), p.vector(dim, 1), p.vector(dim, 2), p.u8(0), p.u8(1);
    p.op(0, 14), p.u8(0);  // export slot 0, import into slot 1 (read-only)
    p.op(0, 11);           // compact
    p.op(0, 12), p.u8(0);  // info
    write_seed(d,
               variant == 2 ? "hnsw-i8-program"
               : kind       ? "hnsw-program"
                            : "flat-program",
               p.bytes);
  }
  // Text: FLAT under cosine, HNSW under L2, dim 16; chunks of 16 characters.
  for (int kind = 0; kind < 2; ++kind) {
    Program p;
    p.create(0, 5, kind ? 0 : 2, kind);                     // dims[5] = 16
    p.text_op(0, 0), p.u8(100);                             // attach a hashing embedder
    p.text_op(0, 1), p.u8(100), p.u8(0), p.u8(6), p.u8(1);  // 16 characters, overlap 1
    p.text_op(0, 2), p.u8(1), p.text({6, 1, 7}), p.u8(0);   // add_text: doc 1, three chunks
    p.text_op(0, 3), p.u8(3);                               // add_texts: three documents
    p.u8(2), p.text({9, 1, 18});
    p.u8(3), p.text({19});
    p.u8(0), p.text({22, 1, 8});  // document 0: chunk keys 0, 1 ...
    p.u8(0);
    p.text_search(0, 5, {6}, 3, 1);                  // documents
    p.text_search(0, 6, {20, 1, 6}, 4, 1);           // chunks
    p.text_search(0, 7, {8}, 2, 3);                  // documents with their chunks
    p.text_op(0, 8), p.u8(1), p.u8(1), p.u8(1);      // remove chunk 1 of document 1: a gap
    p.text_op(0, 4), p.u8(1);                        // remove_text: the rest of its range
    p.op(0, 10), p.u8(0), p.u8(0), p.u8(0);          // save
    p.op(1, 9), p.u8(1), p.u8(0), p.u8(1), p.u8(0);  // open MMAP into slot 1
    p.text_op(1, 0), p.u8(100);                      // attach again (not saved)
    p.text_search(1, 5, {7}, 5, 1);
    p.text_op(1, 2), p.u8(2), p.text({6}), p.u8(0);  // read-only: refused
    write_seed(d, kind ? "hnsw-text-program" : "flat-text-program", p.bytes);
  }
  // Documents (text op 8 with a first byte >= 192): upserts that grow and
  // shrink a document with a source and fields, the document calls, hybrid
  // search, remove_text, then save and open by LOAD and MMAP.
  for (int kind = 0; kind < 2; ++kind) {
    Program p;
    p.create(0, 5, kind ? 0 : 2, kind);                     // dims[5] = 16
    p.text_op(0, 0), p.u8(100);                             // attach a hashing embedder
    p.text_op(0, 1), p.u8(100), p.u8(0), p.u8(6), p.u8(1);  // 16 characters, overlap 1
    auto upsert = [&](int slot, int doc, std::initializer_list<int> text, int how,
                      std::initializer_list<int> source, std::initializer_list<int> fields) {
      p.text_op(slot, 8), p.u8(192), p.u8(doc), p.text(text), p.u8(how);
      if (how & 1) p.text(source);
      if (how & 2) p.text(fields);
    };
    upsert(0, 1, {6, 1, 7}, 3, {9}, {22});  // new: three chunks, source and fields
    upsert(0, 1, {19}, 1, {8}, {});         // one chunk, a new source, no fields
    upsert(0, 2, {6, 1, 8, 7}, 2, {}, {20});
    p.text_op(0, 3), p.u8(1), p.u8(3), p.text({9}), p.u8(0);  // add_texts: document 3
    p.text_op(0, 8), p.u8(193), p.u8(0), p.u8(1);             // chunks and get of document 1
    p.text_op(0, 8), p.u8(193), p.u8(150), p.u8(0), p.u8(7);  // list from 0, count
    p.text_op(0, 8), p.u8(193), p.u8(255);                    // bad arguments
    p.text_op(0, 8), p.u8(194), p.u8(0), p.text({6}), p.u8(4), p.u8(0), p.u8(3);  // hybrid
    p.text_op(0, 6), p.u8(0), p.text({6, 1, 7}), p.u8(7), p.u8(0), p.u8(1);       // chunks
    upsert(0, 2, {9}, 0, {}, {});                    // shrink document 2
    p.text_op(0, 4), p.u8(1);                        // remove_text: document 1
    p.op(0, 10), p.u8(0), p.u8(0), p.u8(0);          // save
    p.op(1, 9), p.u8(0), p.u8(0), p.u8(1), p.u8(0);  // open LOAD into slot 1
    p.text_op(1, 0), p.u8(100);
    p.text_op(1, 8), p.u8(193), p.u8(150), p.u8(0), p.u8(7);
    upsert(1, 2, {7, 1, 6}, 1, {22}, {});
    p.op(0, 9), p.u8(1), p.u8(0), p.u8(1), p.u8(0);  // open MMAP into slot 0
    p.text_op(0, 8), p.u8(193), p.u8(0), p.u8(2);
    upsert(0, 2, {6}, 0, {}, {});  // read-only: refused
    write_seed(d, kind ? "hnsw-documents-program" : "flat-documents-program", p.bytes);
  }
  {
    // Text that is empty, blank (ASCII and Unicode spaces), not UTF-8, emoji
    // only; bad options; a document key past the largest.
    Program p;
    p.create(0, 3, 2, 0);                            // dim 4, cosine, FLAT
    p.text_op(0, 2), p.u8(0), p.text({6}), p.u8(0);  // no embedder yet
    p.text_op(0, 0), p.u8(100);
    p.text_op(0, 1), p.u8(100), p.u8(1), p.u8(0), p.u8(3);  // tokens, 1 per chunk, overlap 0
    p.text_op(0, 3), p.u8(4);
    p.u8(0), p.text({3, 4, 5});  // Unicode spaces only
    p.u8(1), p.text({11, 13, 14});
    p.u8(2), p.text({18, 24});
    p.u8(3), p.text({});
    p.u8(0);
    p.text_op(0, 3), p.u8(2), p.u8(1), p.text({11}), p.u8(2), p.text({26, 1, 27}), p.u8(0);
    p.text_op(0, 2), p.u8(220), p.text({6}), p.u8(0);       // key QV_MAX_DOC_KEY + 1
    p.text_op(0, 1), p.u8(100), p.u8(0), p.u8(5), p.u8(3);  // overlap = size - 1
    p.text_op(0, 2), p.u8(3), p.text({23, 2, 6}), p.u8(0);
    p.text_search(0, 5, {1, 2}, 2, 1);  // blank query
    p.text_search(0, 6, {18}, 3, 1);    // emoji query
    p.text_search(0, 7, {23}, 12, 3);
    write_seed(d, "odd-text-program", p.bytes);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: gen_seeds OUTDIR [WORKDIR]\n");
    return 2;
  }
  out_dir = argv[1];
  ::mkdir(out_dir.c_str(), 0777);
  if (argc == 3) {
    namespace fs = std::filesystem;
    fs::remove_all(argv[2]);
    for (const char* t : {"index_file", "npy", "vecs", "gemini_response", "capi"})
      fs::create_directories(fs::path(argv[2]) / t);
  }
  index_seeds();
  npy_seeds();
  vecs_seeds();
  gemini_seeds();
  capi_seeds();
  return 0;
}
