#include "CRecurKernels.h"

#include <pthread.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>

// Contract `a · b + c` into one fused operation wherever the path has FMA.
#pragma clang fp contract(on)

// Unaligned vectors of four (the baseline path: SSE2 or NEON) and eight (AVX2) lanes.
typedef float v4 __attribute__((vector_size(16), aligned(4)));
typedef int v4i __attribute__((vector_size(16), aligned(4)));
typedef float v8 __attribute__((vector_size(32), aligned(4)));
typedef int v8i __attribute__((vector_size(32), aligned(4)));
typedef float v16 __attribute__((vector_size(64), aligned(4)));
typedef int v16i __attribute__((vector_size(64), aligned(4)));

#define VLOAD(p) (*(const vec *)(p))
#define VSTORE(p, value) (*(vec *)(p) = (value))
// x − (+0) is x for every x (unlike 0 + x for −0), so the subtraction folds away.
#define VSPLAT(value) ((value) - (vec){0})

#define KERNEL
#define NAMED(name) generic_##name
#define LANES 4
typedef v4 vec;
typedef v4i veci;
#include "KernelBodies.h"
#undef KERNEL
#undef NAMED
#undef LANES

#if defined(__x86_64__)
#define KERNEL __attribute__((target("avx2,fma")))
#define NAMED(name) avx2_##name
#define LANES 8
#define vec v8
#define veci v8i
#include "KernelBodies.h"
#undef KERNEL
#undef NAMED
#undef LANES
#undef vec
#undef veci

#define KERNEL __attribute__((target("avx512f,fma")))
#define NAMED(name) avx512_##name
#define LANES 16
#define vec v16
#define veci v16i
#include "KernelBodies.h"
#undef KERNEL
#undef NAMED
#undef LANES
#undef vec
#undef veci

// The best path the CPU and the operating system allow: 2 with AVX-512 (F), 1 with AVX2
// and FMA, else 0. CPUID says what the CPU has, XGETBV whether the system saves the
// wide registers.
static int cpuBestPath(void) {
  unsigned a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
  if (a < 7) return 0;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  if (!(fma && osxsave && avx)) return 0;
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  if ((lo & 0x6) != 0x6) return 0;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
  int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
  if (!avx2) return 0;
  return avx512f && (lo & 0xE0) == 0xE0 ? 2 : 1;
}
#else
static int cpuBestPath(void) { return 0; }
#endif

// -1 until first asked. RECUR_KERNELS=baseline or =avx2 in the environment caps the path.
static int selectedPath = -1;

static int bestPath(void) {
  int best = cpuBestPath();
  const char *cap = getenv("RECUR_KERNELS");
  if (cap && strcmp(cap, "baseline") == 0) return 0;
  if (cap && strcmp(cap, "avx2") == 0 && best > 1) return 1;
  return best;
}

static inline int path(void) {
  int current = __atomic_load_n(&selectedPath, __ATOMIC_RELAXED);
  if (current < 0) {
    current = bestPath();
    __atomic_store_n(&selectedPath, current, __ATOMIC_RELAXED);
  }
  return current;
}

int CRecurKernels_path(void) { return path(); }

int CRecurKernels_selectPath(int level) {
  int best = cpuBestPath();
  int chosen = level < best ? (level < 0 ? 0 : level) : best;
  __atomic_store_n(&selectedPath, chosen, __ATOMIC_RELAXED);
  return chosen;
}

#if defined(__x86_64__)
#define DISPATCH(name, ...)                                                                                  \
  do {                                                                                                       \
    if (path() == 2) avx512_##name(__VA_ARGS__);                                                             \
    else if (path()) avx2_##name(__VA_ARGS__);                                                               \
    else generic_##name(__VA_ARGS__);                                                                        \
  } while (0)
#else
#define DISPATCH(name, ...) generic_##name(__VA_ARGS__)
#endif

void CRecurKernels_gemm(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c,
                        long ldc, int accumulate) {
  if (m <= 0 || n <= 0) return;
  DISPATCH(gemm, m, n, k, a, lda, 1, b, ldb, c, ldc, accumulate);
}

void CRecurKernels_gemmTransposedA(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                                   float *c, long ldc, int accumulate) {
  if (m <= 0 || n <= 0) return;
  DISPATCH(gemm, m, n, k, a, 1, lda, b, ldb, c, ldc, accumulate);
}

// A transposed B is copied into a buffer of the calling thread's own, kept and grown for
// the thread's life and freed when it ends.
struct Scratch {
  float *data;
  long capacity;
};

static pthread_key_t scratchKey;
static pthread_once_t scratchKeyOnce = PTHREAD_ONCE_INIT;

static void freeScratch(void *value) {
  struct Scratch *scratch = value;
  free(scratch->data);
  free(scratch);
}

static void makeScratchKey(void) {
  if (pthread_key_create(&scratchKey, freeScratch)) abort();
}

static float *scratchBuffer(long count) {
  pthread_once(&scratchKeyOnce, makeScratchKey);
  struct Scratch *scratch = pthread_getspecific(scratchKey);
  if (!scratch) {
    scratch = calloc(1, sizeof *scratch);
    if (!scratch || pthread_setspecific(scratchKey, scratch)) abort();
  }
  if (scratch->capacity < count) {
    free(scratch->data);
    scratch->data = malloc(sizeof(float) * count);
    if (!scratch->data) abort();
    scratch->capacity = count;
  }
  return scratch->data;
}

// `[rows, columns]` → `[columns, rows]`, in tiles of 16 × 16 so both sides stay in cache.
static void transpose(long rows, long columns, const float *from, float *to) {
  for (long top = 0; top < rows; top += 16) {
    long bottom = top + 16 < rows ? top + 16 : rows;
    for (long left = 0; left < columns; left += 16) {
      long right = left + 16 < columns ? left + 16 : columns;
      for (long i = top; i < bottom; i++) {
        for (long j = left; j < right; j++) to[j * rows + i] = from[i * columns + j];
      }
    }
  }
}

const float *CRecurKernels_transposed(long rows, long columns, const float *from) {
  if (rows <= 0 || columns <= 0) return from;
  float *copy = scratchBuffer(rows * columns);
  transpose(rows, columns, from, copy);
  return copy;
}

#if defined(__x86_64__)
#define DISPATCH_VALUE(name, ...) (path() == 2 ? avx512_##name(__VA_ARGS__) : path() ? avx2_##name(__VA_ARGS__) : generic_##name(__VA_ARGS__))
#else
#define DISPATCH_VALUE(name, ...) generic_##name(__VA_ARGS__)
#endif

long CRecurKernels_packedRowsSize(long k, long n) { return DISPATCH_VALUE(packedSize, k, n); }

void CRecurKernels_packRows(long k, long n, const float *b, float *packed) { DISPATCH(packRows, k, n, b, packed); }

void CRecurKernels_rowProduct(long k, long n, const float *a, const float *b, const float *packed, float *c,
                              int accumulate) {
  DISPATCH(rowProduct, k, n, a, b, packed, c, accumulate);
}

void CRecurKernels_tanh(float *values, long count) { DISPATCH(tanhInPlace, values, count); }

void CRecurKernels_rnnForward(long rows, long hidden, float *pre) { DISPATCH(rnnForward, rows, hidden, pre); }

void CRecurKernels_rnnBackward(long rows, long hidden, const float *a, const float *dA, float *dPre) {
  DISPATCH(rnnBackward, rows, hidden, a, dA, dPre);
}

void CRecurKernels_gruForward(long rows, long hidden, const float *x, const float *r, const float *hPrev,
                              float *h, float *saved) {
  DISPATCH(gruForward, rows, hidden, x, r, hPrev, h, saved);
}

void CRecurKernels_gruBackward(long rows, long hidden, const float *saved, const float *r, const float *hPrev,
                               const float *dH, float *dX, float *dR, float *dHPrev) {
  DISPATCH(gruBackward, rows, hidden, saved, r, hPrev, dH, dX, dR, dHPrev);
}

void CRecurKernels_lstmForward(long rows, long hidden, float *gates, const float *cPrev, float *c, float *h) {
  DISPATCH(lstmForward, rows, hidden, gates, cPrev, c, h);
}

void CRecurKernels_lstmBackward(long rows, long hidden, const float *gates, const float *cPrev, const float *c,
                                const float *dH, float *dC, float *dGates) {
  DISPATCH(lstmBackward, rows, hidden, gates, cPrev, c, dH, dC, dGates);
}

void CRecurKernels_adam(long count, float *w, const float *g, float *m, float *v, float beta1, float beta2,
                        float rate, float epsilon, float decay) {
  DISPATCH(adam, count, w, g, m, v, beta1, beta2, rate, epsilon, decay);
}

void CRecurKernels_add(long count, const float *x, float *y) { DISPATCH(add, count, x, y); }

void CRecurKernels_maxInto(long count, const float *x, float *y) { DISPATCH(maxInto, count, x, y); }

#if defined(__GLIBC__)
/// A byte count as mallopt's int, at most INT_MAX.
static int mallocSetting(long bytes) { return (int)(bytes > 0x7fffffffL ? 0x7fffffffL : bytes); }
#endif

int CRecurKernels_retainFreedMemory(long mapLimit, long keep) {
#if defined(__GLIBC__)
  // The trim threshold first: setting either fixes both (glibc stops moving them itself).
  int kept = mallopt(M_TRIM_THRESHOLD, mallocSetting(keep));
  int mapped = mallopt(M_MMAP_THRESHOLD, mallocSetting(mapLimit));
  return kept == 1 && mapped == 1;
#else
  (void)mapLimit;
  (void)keep;
  return 0;
#endif
}
