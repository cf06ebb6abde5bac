/*
 * Injected system-call failures for the fault tests. fault_inject.c defines
 * open, pwrite, fsync, rename, close and mmap in the test executable itself;
 * the dynamic linker binds libquiver's calls to these before libc's (as an
 * LD_PRELOAD shim would, without the preload), and they pass through to the
 * real functions unless a failure is armed. No root, no special file system.
 *
 * Arm a failure with qvf_fail(op, nth, err): the nth call of `op` from now
 * on (1 = the next one) fails with errno `err`, once. Calls on paths that do
 * not contain the qvf_watch() substring are passed through and not counted
 * (for the path-taking calls open and rename; the others count every call).
 * Thread-safe counters; arm and disarm from the test's main thread.
 */
#ifndef QV_FAULT_INJECT_H
#define QV_FAULT_INJECT_H

typedef enum qvf_op {
  QVF_OPEN = 0,
  QVF_PWRITE,
  QVF_FSYNC,
  QVF_RENAME,
  QVF_CLOSE,
  QVF_MMAP, /* file-backed mappings only (fd >= 0) */
  QVF_OP_COUNT
} qvf_op;

/* Disarms every failure, zeroes the counters and clears the watched path. */
void qvf_reset(void);
/* Only open/rename calls whose path contains `substring` count (NULL: all). */
void qvf_watch(const char* substring);
/* The nth call of op from now on fails with errno err (once). */
void qvf_fail(qvf_op op, int nth, int err);
/* Every call of op from now on fails with err, until qvf_reset. */
void qvf_fail_all(qvf_op op, int err);
/* Calls of op counted since the last qvf_reset. */
int qvf_calls(qvf_op op);
/* Failures injected since the last qvf_reset (all ops). */
int qvf_injected(void);
const char* qvf_op_name(qvf_op op);

#endif /* QV_FAULT_INJECT_H */
