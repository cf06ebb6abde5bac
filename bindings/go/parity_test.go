package quiver

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The Go constants are copied from include/quiver/quiver.h by hand; this test
// reads the header and fails when they drift apart (a status or an enum value
// added to the header and not here, or renumbered).

// headerPath is quiver.h of this checkout (QUIVER_HEADER overrides it).
func headerPath() string {
	if p := os.Getenv("QUIVER_HEADER"); p != "" {
		return p
	}
	return filepath.Join("..", "..", "include", "quiver", "quiver.h")
}

// headerEnum returns the enumerators of `typedef enum name { ... }` in order,
// with their values (implicit values count up from the previous one).
func headerEnum(t *testing.T, header, name string) ([]string, map[string]int) {
	t.Helper()
	re := regexp.MustCompile(`(?s)typedef enum ` + name + ` \{(.*?)\}`)
	m := re.FindStringSubmatch(header)
	if m == nil {
		t.Fatalf("quiver.h has no enum %s", name)
	}
	body := regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(m[1], "")
	var names []string
	values := map[string]int{}
	next := 0
	for _, item := range strings.Split(body, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		parts := strings.SplitN(item, "=", 2)
		id := strings.TrimSpace(parts[0])
		if len(parts) == 2 {
			v, err := strconv.Atoi(strings.TrimSpace(parts[1]))
			if err != nil {
				t.Fatalf("%s: value of %s: %v", name, id, err)
			}
			next = v
		}
		names = append(names, id)
		values[id] = next
		next++
	}
	return names, values
}

func TestParityWithHeader(t *testing.T) {
	raw, err := os.ReadFile(headerPath())
	if err != nil {
		t.Fatalf("reading quiver.h (set QUIVER_HEADER outside the repository): %v", err)
	}
	header := string(raw)

	names, values := headerEnum(t, header, "qv_status")
	if len(names) != len(allStatuses) {
		t.Fatalf("quiver.h has %d statuses, the Go binding %d: add the new ones to Status and allStatuses", len(names), len(allStatuses))
	}
	for i, s := range allStatuses {
		if values[names[i]] != int(s) || s.String() != names[i] {
			t.Fatalf("status %d: quiver.h %s = %d, Go %d (%s)", i, names[i], values[names[i]], int(s), s)
		}
	}

	enums := map[string]map[string]int{
		"qv_metric":      {"QV_METRIC_L2": int(L2), "QV_METRIC_IP": int(IP), "QV_METRIC_COSINE": int(Cosine)},
		"qv_index_kind":  {"QV_INDEX_FLAT": int(Flat), "QV_INDEX_HNSW": int(HNSW)},
		"qv_storage":     {"QV_STORAGE_F32": int(F32), "QV_STORAGE_F16": int(F16), "QV_STORAGE_I8": int(I8), "QV_STORAGE_B1": int(B1)},
		"qv_open_mode":   {"QV_OPEN_LOAD": int(Load), "QV_OPEN_MMAP": int(Mmap)},
		"qv_verify_mode": {"QV_VERIFY_ALL": int(VerifyAll), "QV_VERIFY_DEFERRED": int(VerifyDeferred)},
		"qv_chunk_unit":  {"QV_CHUNK_CHARACTERS": int(Characters), "QV_CHUNK_TOKENS": int(Tokens)},
		"qv_embed_task":  {"QV_EMBED_DOCUMENT": int(Document), "QV_EMBED_QUERY": int(Query)},
	}
	for enum, goValues := range enums {
		names, values := headerEnum(t, header, enum)
		if len(names) != len(goValues) {
			t.Errorf("%s: quiver.h has %v, the Go binding %v", enum, names, goValues)
			continue
		}
		for _, n := range names {
			if v, ok := goValues[n]; !ok || v != values[n] {
				t.Errorf("%s: quiver.h %s = %d, Go has %v", enum, n, values[n], goValues)
			}
		}
	}
	if m := regexp.MustCompile(`#define QV_MAX_DIM (\d+)u`).FindStringSubmatch(header); m == nil || m[1] != strconv.Itoa(MaxDim) {
		t.Errorf("QV_MAX_DIM: quiver.h %v, Go %d", m, MaxDim)
	}
}
