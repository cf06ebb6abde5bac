/* hello.c - the smallest useful Quiver program: create an index, add
 * vectors, search, print the results.
 *
 * Build against an installed Quiver (examples/README.md; the rpath lets it
 * find libquiver in a prefix that ldconfig does not know):
 *   cc hello.c $(pkg-config --cflags --libs quiver) \
 *      -Wl,-rpath,"$(pkg-config --variable=libdir quiver)" -o hello && ./hello
 */
#include <quiver/quiver.h>
#include <stdio.h>

#define DIM 4

int main(void) {
  qv_index_options opts;
  qv_index_options_init(&opts);
  opts.dim = DIM;
  opts.metric = QV_METRIC_L2;

  qv_index* index = NULL;
  if (qv_index_create(&opts, &index) != QV_OK) {
    fprintf(stderr, "create failed: %s\n", qv_last_error());
    return 1;
  }

  const float vectors[3][DIM] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}};
  const uint64_t keys[3] = {100, 200, 300};
  if (qv_index_add_batch(index, 3, keys, &vectors[0][0]) != QV_OK) {
    fprintf(stderr, "add failed: %s\n", qv_last_error());
    qv_index_free(index);
    return 1;
  }

  const float query[DIM] = {0.9f, 0.1f, 0, 0};
  uint64_t found_keys[2];
  float distances[2];
  size_t found = 0;
  if (qv_index_search(index, query, 2, NULL, found_keys, distances, &found) != QV_OK) {
    fprintf(stderr, "search failed: %s\n", qv_last_error());
    qv_index_free(index);
    return 1;
  }
  printf("Quiver %s: %zu nearest neighbours\n", qv_version(), found);
  for (size_t i = 0; i < found; ++i)
    printf("  key %llu  distance %.3f\n", (unsigned long long)found_keys[i], distances[i]);

  qv_index_free(index);
  return 0;
}
