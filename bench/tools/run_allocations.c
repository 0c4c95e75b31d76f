/* run_allocations.c - heap allocations of a compiled model's runs.
 *
 * An LD_PRELOAD library for the executables heedc writes: it interposes
 * malloc, calloc, realloc, memalign, aligned_alloc and posix_memalign, and
 * heed_model_run_data (the call through which an executable runs its
 * model), counts the allocations made on any thread while a run is in
 * progress, and prints at exit
 *
 *   allocations: first run A, later N runs B
 *
 * The first run creates the executor and each worker's reusable buffers;
 * later runs should allocate nothing (docs/runtime.md). Usage:
 *
 *   cc -O2 -shared -fPIC -o /tmp/run_allocations.so \
 *       bench/tools/run_allocations.c -ldl
 *   LD_PRELOAD=/tmp/run_allocations.so ./bert --random-inputs 1 --repeat 11
 *
 * Not for sanitizer builds (they interpose malloc themselves). glibc's
 * __libc_* entry points do the allocating, so there is no dlsym recursion.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static atomic_int inRun;
static atomic_long runs, firstRun, laterRuns;

static void count(void) {
  if (!atomic_load_explicit(&inRun, memory_order_relaxed))
    return;
  if (atomic_load_explicit(&runs, memory_order_relaxed) == 0)
    atomic_fetch_add(&firstRun, 1);
  else
    atomic_fetch_add(&laterRuns, 1);
}

void *malloc(size_t n) {
  count();
  return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
  count();
  return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
  count();
  return __libc_realloc(p, n);
}
void *memalign(size_t a, size_t n) {
  count();
  return __libc_memalign(a, n);
}
void *aligned_alloc(size_t a, size_t n) { return memalign(a, n); }
int posix_memalign(void **p, size_t a, size_t n) {
  *p = memalign(a, n);
  return *p || !n ? 0 : 12; /* ENOMEM */
}

typedef int (*RunFn)(void *, const void *const *, void *const *);

int heed_model_run_data(void *model, const void *const *inputs,
                        void *const *outputs) {
  static RunFn next;
  if (!next)
    next = (RunFn)dlsym(RTLD_NEXT, "heed_model_run_data");
  atomic_store(&inRun, 1);
  int status = next(model, inputs, outputs);
  atomic_store(&inRun, 0);
  atomic_fetch_add(&runs, 1);
  return status;
}

__attribute__((destructor)) static void report(void) {
  long n = atomic_load(&runs);
  fprintf(stderr, "allocations: first run %ld, later %ld runs %ld\n",
          atomic_load(&firstRun), n > 0 ? n - 1 : 0, atomic_load(&laterRuns));
}
