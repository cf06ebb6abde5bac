package io.quiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Java enums copy quiver.h's values by hand and the option classes mirror its structs: this
 * test reads include/quiver/quiver.h (system property quiver.header, set by the pom) and fails when
 * they drift apart: a status, enum value or struct field added to the header and not here, renamed
 * or renumbered.
 */
class ParityTest {
  static String header() throws IOException {
    String p = System.getProperty("quiver.header", "../../include/quiver/quiver.h");
    return Files.readString(Path.of(p));
  }

  static String stripComments(String s) {
    return s.replaceAll("(?s)/\\*.*?\\*/", "");
  }

  /** The enumerators of `typedef enum name { ... }` with their values, in order. */
  static Map<String, Integer> headerEnum(String header, String name) {
    Matcher m = Pattern.compile("(?s)typedef enum " + name + " \\{(.*?)\\}").matcher(header);
    assertTrue(m.find(), "quiver.h has no enum " + name);
    Map<String, Integer> out = new LinkedHashMap<>();
    int next = 0;
    for (String item : stripComments(m.group(1)).split(",")) {
      item = item.trim();
      if (item.isEmpty()) continue;
      String[] parts = item.split("=", 2);
      if (parts.length == 2) next = Integer.parseInt(parts[1].trim());
      out.put(parts[0].trim(), next++);
    }
    return out;
  }

  /** The field names of `typedef struct name { ... }`, in order. */
  static List<String> headerStruct(String header, String name) {
    Matcher m = Pattern.compile("(?s)typedef struct " + name + " \\{(.*?)\\} " + name + ";").matcher(header);
    assertTrue(m.find(), "quiver.h has no struct " + name);
    List<String> out = new ArrayList<>();
    for (String decl : stripComments(m.group(1)).split(";")) {
      decl = decl.trim();
      if (decl.isEmpty()) continue;
      Matcher fp = Pattern.compile("\\(\\s*\\*\\s*(\\w+)\\s*\\)").matcher(decl); // function pointer
      if (fp.find()) {
        out.add(fp.group(1));
        continue;
      }
      Matcher id = Pattern.compile("(\\w+)\\s*$").matcher(decl);
      assertTrue(id.find(), "field of " + name + ": " + decl);
      out.add(id.group(1));
    }
    return out;
  }

  static <E extends Enum<E>> void sameEnum(
      String header, String cName, String prefix, Class<E> type, ToIntFunction<E> code) {
    Map<String, Integer> want = headerEnum(header, cName);
    Map<String, Integer> have = new LinkedHashMap<>();
    for (E e : type.getEnumConstants()) {
      if (e.name().equals("UNKNOWN")) continue; // Status.UNKNOWN: the binding's own
      have.put(prefix + e.name(), code.applyAsInt(e));
    }
    assertEquals(want, have, cName + " in quiver.h vs " + type.getName());
  }

  @Test
  void statusesMatchTheHeader() throws IOException {
    Map<String, Integer> want = headerEnum(header(), "qv_status");
    Map<String, Integer> have = new LinkedHashMap<>();
    for (Status s : Status.values()) {
      if (s == Status.UNKNOWN) continue;
      have.put(s == Status.OK ? "QV_OK" : "QV_ERR_" + s.name(), s.code());
    }
    assertEquals(want, have, "qv_status in quiver.h vs io.quiver.Status");
    assertEquals(Status.UNKNOWN, Status.fromCode(want.size()), "a newer library's status");
  }

  @Test
  void enumsMatchTheHeader() throws IOException {
    String h = header();
    sameEnum(h, "qv_metric", "QV_METRIC_", Metric.class, e -> e.code);
    sameEnum(h, "qv_index_kind", "QV_INDEX_", IndexKind.class, e -> e.code);
    sameEnum(h, "qv_storage", "QV_STORAGE_", Storage.class, e -> e.code);
    sameEnum(h, "qv_open_mode", "QV_OPEN_", OpenMode.class, e -> e.code);
    sameEnum(h, "qv_verify_mode", "QV_VERIFY_", VerifyMode.class, e -> e.code);
    sameEnum(h, "qv_chunk_unit", "QV_CHUNK_", TextOptions.Unit.class, e -> e.code);
    sameEnum(h, "qv_embed_task", "QV_EMBED_", Embedder.Task.class, e -> e.code);
  }

  static String camel(String snake) {
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char c : snake.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return b.toString();
  }

  /** Every field of the C struct (but struct_size and renamed ones) is a field of the class. */
  static void sameFields(String header, String cName, Class<?> type, Map<String, String> renamed) {
    for (String f : headerStruct(header, cName)) {
      if (f.equals("struct_size")) continue;
      String java = renamed.getOrDefault(f, camel(f));
      try {
        assertNotNull(type.getDeclaredField(java));
      } catch (NoSuchFieldException e) {
        fail(cName + "." + f + " has no Java counterpart " + type.getSimpleName() + "." + java);
      }
    }
  }

  @Test
  void optionStructsMatchTheHeader() throws IOException {
    String h = header();
    sameFields(h, "qv_index_options", IndexOptions.class, Map.of());
    sameFields(h, "qv_search_params", SearchOptions.class, Map.of("filter_user", "filter"));
    sameFields(h, "qv_open_options", OpenOptions.class, Map.of());
    sameFields(h, "qv_save_options", SaveOptions.class, Map.of());
    sameFields(h, "qv_index_info", IndexInfo.class, Map.of());
    sameFields(h, "qv_text_options", TextOptions.class, Map.of());
    sameFields(h, "qv_gemini_options", GeminiOptions.class, Map.of());
  }

  /**
   * quiver.h's calls that the raw layer (bindings/swig/quiver.i) does not call, each for a reason:
   * everything else in the header must be called there, so that a new call cannot be left out.
   */
  static final Map<String, String> NOT_IN_SWIG =
      Map.ofEntries(
          Map.entry("qv_metric_name", "Metric, IndexKind and Storage carry their own names"),
          Map.entry("qv_index_kind_name", "as qv_metric_name"),
          Map.entry("qv_storage_name", "as qv_metric_name"),
          Map.entry("qv_index_options_init_sized", "called by its macro qv_index_options_init"),
          Map.entry("qv_search_params_init_sized", "called by its macro qv_search_params_init"),
          Map.entry("qv_index_info_init_sized", "qvs_index_get_info sets struct_size itself"),
          Map.entry("qv_embedder_embed", "qv_embedder_embed_ex is its general form"),
          Map.entry("qv_index_add_text", "qv_index_add_texts with one text"),
          Map.entry("qv_index_search_text", "qv_index_search_text_ex with the chunk keys too"),
          Map.entry(
              "qv_index_get_metadata",
              "qv_index_copy_metadata: a copy under the index's lock, safe alongside changes"),
          Map.entry(
              "qv_index_get_document",
              "qv_index_copy_document: a copy under the table's lock, safe alongside upserts"));

  /** The names of every QV_API function of the header, in order. */
  static List<String> headerFunctions(String header) {
    Matcher m = Pattern.compile("QV_API\\s+[^;(]*?\\b(qv_\\w+)\\s*\\(").matcher(stripComments(header));
    List<String> out = new ArrayList<>();
    while (m.find()) out.add(m.group(1));
    return out;
  }

  @Test
  void everyCallOfTheHeaderIsInTheRawLayer() throws IOException {
    Path header = Path.of(System.getProperty("quiver.header", "../../include/quiver/quiver.h"));
    Path swig =
        header.toAbsolutePath().normalize().getParent().getParent().getParent()
            .resolve("bindings/swig/quiver.i");
    String raw = stripComments(Files.readString(swig));
    List<String> calls = headerFunctions(header());
    assertTrue(calls.contains("qv_index_upsert_text"), "the header's calls were not found");
    List<String> missing = new ArrayList<>();
    for (String f : calls) {
      boolean called = Pattern.compile("\\b" + f + "\\s*\\(").matcher(raw).find();
      if (!called && !NOT_IN_SWIG.containsKey(f)) missing.add(f);
    }
    assertEquals(List.of(), missing, "calls of quiver.h that quiver.i does not wrap");
    for (String f : NOT_IN_SWIG.keySet()) {
      assertTrue(calls.contains(f), f + " is exempted here but no longer in quiver.h");
    }
  }

  @Test
  void versionMatchesTheLibrary() {
    String v = Quiver.version();
    assertTrue(v.matches("\\d+\\.\\d+\\.\\d+.*"), v);
    String[] p = v.split("[.-]");
    int n = Integer.parseInt(p[0]) * 10000 + Integer.parseInt(p[1]) * 100 + Integer.parseInt(p[2]);
    assertEquals(n, Quiver.versionNumber());
  }
}
