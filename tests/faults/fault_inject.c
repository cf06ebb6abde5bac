/* See fault_inject.h. */
#define _GNU_SOURCE

#include "fault_inject.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

static int calls[QVF_OP_COUNT];
static int fail_at[QVF_OP_COUNT]; /* call number that fails; 0 = none */
static int fail_errno[QVF_OP_COUNT];
static int fail_always[QVF_OP_COUNT];
static int injected;
static char watch[256];

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
/* The project builds with hidden visibility; these must be in the dynamic
 * symbol table for libquiver's calls to bind to them. */
#define INTERPOSE __attribute__((visibility("default")))

void qvf_reset(void) {
  int i;
  for (i = 0; i < QVF_OP_COUNT; ++i) {
    __atomic_store_n(&fail_at[i], 0, __ATOMIC_RELEASE);
    __atomic_store_n(&fail_always[i], 0, __ATOMIC_RELEASE);
    __atomic_store_n(&calls[i], 0, __ATOMIC_RELEASE);
    fail_errno[i] = 0;
  }
  __atomic_store_n(&injected, 0, __ATOMIC_RELEASE);
  watch[0] = '\0';
}

void qvf_watch(const char* substring) {
  if (!substring) {
    watch[0] = '\0';
    return;
  }
  snprintf(watch, sizeof watch, "%s", substring);
}

void qvf_fail(qvf_op op, int nth, int err) {
  fail_errno[op] = err;
  __atomic_store_n(&fail_at[op], LOAD(&calls[op]) + nth, __ATOMIC_RELEASE);
}

void qvf_fail_all(qvf_op op, int err) {
  fail_errno[op] = err;
  __atomic_store_n(&fail_always[op], 1, __ATOMIC_RELEASE);
}

int qvf_calls(qvf_op op) { return LOAD(&calls[op]); }
int qvf_injected(void) { return LOAD(&injected); }

const char* qvf_op_name(qvf_op op) {
  static const char* const names[QVF_OP_COUNT] = {"open",   "pwrite", "fsync",
                                                  "rename", "close",  "mmap"};
  return (unsigned)op < QVF_OP_COUNT ? names[op] : "?";
}

/* Counts the call; returns the errno to fail it with, or 0. */
static int should_fail(qvf_op op, const char* path) {
  int n;
  if (path && watch[0] && !strstr(path, watch)) return 0;
  n = __atomic_add_fetch(&calls[op], 1, __ATOMIC_ACQ_REL);
  if (LOAD(&fail_always[op]) || (LOAD(&fail_at[op]) != 0 && n == LOAD(&fail_at[op]))) {
    __atomic_add_fetch(&injected, 1, __ATOMIC_ACQ_REL);
    return fail_errno[op];
  }
  return 0;
}

static void* next_symbol(const char* name) {
  void* p = dlsym(RTLD_NEXT, name);
  if (!p) {
    fprintf(stderr, "fault_inject: cannot find the real %s\n", name);
    abort();
  }
  return p;
}

INTERPOSE int open(const char* path, int flags, ...) {
  static int (*real)(const char*, int, ...);
  mode_t mode = 0;
  int err;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = (mode_t)va_arg(ap, int);
    va_end(ap);
  }
  if (!real) real = (int (*)(const char*, int, ...))next_symbol("open");
  if ((err = should_fail(QVF_OPEN, path)) != 0) {
    errno = err;
    return -1;
  }
  return real(path, flags, mode);
}

INTERPOSE ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off_t);
  int err;
  if (!real) real = (ssize_t(*)(int, const void*, size_t, off_t))next_symbol("pwrite");
  if ((err = should_fail(QVF_PWRITE, NULL)) != 0) {
    errno = err;
    return -1;
  }
  return real(fd, buf, count, offset);
}

INTERPOSE int fsync(int fd) {
  static int (*real)(int);
  int err;
  if (!real) real = (int (*)(int))next_symbol("fsync");
  if ((err = should_fail(QVF_FSYNC, NULL)) != 0) {
    errno = err;
    return -1;
  }
  return real(fd);
}

INTERPOSE int rename(const char* from, const char* to) {
  static int (*real)(const char*, const char*);
  int err;
  if (!real) real = (int (*)(const char*, const char*))next_symbol("rename");
  if ((err = should_fail(QVF_RENAME, to)) != 0) {
    errno = err;
    return -1;
  }
  return real(from, to);
}

INTERPOSE int close(int fd) {
  static int (*real)(int);
  int err;
  if (!real) real = (int (*)(int))next_symbol("close");
  if ((err = should_fail(QVF_CLOSE, NULL)) != 0) {
    /* As Linux does: the descriptor is released even when close reports
     * an error, so release it and then report. */
    real(fd);
    errno = err;
    return -1;
  }
  return real(fd);
}

INTERPOSE void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) {
  static void* (*real)(void*, size_t, int, int, int, off_t);
  int err;
  if (!real) real = (void* (*)(void*, size_t, int, int, int, off_t))next_symbol("mmap");
  if (fd >= 0 && (err = should_fail(QVF_MMAP, NULL)) != 0) {
    errno = err;
    return MAP_FAILED;
  }
  return real(addr, length, prot, flags, fd, offset);
}
