// RecurNN's own compute kernels: the matrix products, the cells' elementwise passes and
// Adam's update. Each is compiled three times on x86-64 (AVX-512, AVX2 + FMA, and the
// baseline instruction set) and picked once at run time from the CPU (arm64 builds have
// one path, NEON), so their speed does not hang on which paths a BLAS build has for the
// CPU it finds. The AVX-512 and AVX2 paths give bit-identical results (the same fused
// operations in the same order); the baseline path rounds differently (no FMA).
//
// Every product element is summed in the same order (k = 0, 1, …) whatever the matrix
// sizes, so a row's result does not depend on the other rows of the batch.
#ifndef RECUR_KERNELS_H
#define RECUR_KERNELS_H

/// The path in use: 2 AVX-512, 1 AVX2 + FMA, 0 baseline.
int CRecurKernels_path(void);
/// Uses the given path, or the CPU's best when that is lower; returns the path now in use.
int CRecurKernels_selectPath(int level);

/// `C = A · B` (`accumulate` 0) or `C += A · B`, row-major, leading dimensions given:
/// A `[m, k]`, B `[k, n]`, C `[m, n]`.
void CRecurKernels_gemm(long m, long n, long k, const float *a, long lda, const float *b, long ldb, float *c,
                        long ldc, int accumulate);

/// `C = Aᵀ · B` or `C += Aᵀ · B` with A stored `[k, m]` (leading dimension `lda`), read in
/// place: the same chain over k, and so the same bits, as `CRecurKernels_gemm` on the
/// transposed copy.
void CRecurKernels_gemmTransposedA(long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                                   float *c, long ldc, int accumulate);

/// `from` `[rows, columns]` (contiguous) copied as `[columns, rows]` into a buffer of the
/// calling thread's, valid until that thread asks again (`from` itself when empty): a
/// transposed B made ready for the products.
const float *CRecurKernels_transposed(long rows, long columns, const float *from);

/// Floats `CRecurKernels_packRows` writes for a `[k, n]` B on the current path.
long CRecurKernels_packedRowsSize(long k, long n);
/// B `[k, n]` (contiguous) in the order the current path's one-row product reads it.
void CRecurKernels_packRows(long k, long n, const float *b, float *packed);
/// One row: `c = a · B` (or `c += a · B`) with B also given packed by
/// `CRecurKernels_packRows` on the same path; the same bits as `CRecurKernels_gemm`.
void CRecurKernels_rowProduct(long k, long n, const float *a, const float *b, const float *packed, float *c,
                              int accumulate);

/// `tanh` in place on `count` values (the same rational approximation as RecurNN's `fastTanh`).
void CRecurKernels_tanh(float *values, long count);

/// Basic cell, forward: `a = tanh(pre)` in place on `[rows, hidden]`.
void CRecurKernels_rnnForward(long rows, long hidden, float *pre);
/// Basic cell, backward: `dPre = dA ⊙ (1 − a²)`.
void CRecurKernels_rnnBackward(long rows, long hidden, const float *a, const float *dA, float *dPre);

/// GRU step from the input part `x` `[rows, 3·hidden]` and the recurrent part `r`
/// `[rows, 3·hidden]` (gates z, ρ, n): `h = (1 − z) ⊙ n + z ⊙ hPrev`. With `saved`
/// non-null, z, ρ and n are kept there `[rows, 3·hidden]` for the backward pass.
void CRecurKernels_gruForward(long rows, long hidden, const float *x, const float *r, const float *hPrev,
                              float *h, float *saved);
/// GRU backward: from `dH` and the saved gates, the gradients of the input part `dX`, of
/// the recurrent part `dR` (both `[rows, 3·hidden]`) and the direct part of `dHPrev`.
void CRecurKernels_gruBackward(long rows, long hidden, const float *saved, const float *r, const float *hPrev,
                               const float *dH, float *dX, float *dR, float *dHPrev);

/// LSTM step from gate pre-activations `gates` `[rows, 4·hidden]` (i, f, g, o), which
/// are replaced by the activations: `c = f ⊙ cPrev + i ⊙ g`, `h = o ⊙ tanh(c)`.
void CRecurKernels_lstmForward(long rows, long hidden, float *gates, const float *cPrev, float *c, float *h);
/// LSTM backward from the activations, `cPrev`, `c`, `dH` and the carried `dC` (replaced
/// by the gradient of `cPrev`): writes the pre-activation gradients `dGates`.
void CRecurKernels_lstmBackward(long rows, long hidden, const float *gates, const float *cPrev, const float *c,
                                const float *dH, float *dC, float *dGates);

/// One Adam step over `count` weights: moments updated, `w = w · decay − rate · m / (√v + ε)`.
void CRecurKernels_adam(long count, float *w, const float *g, float *m, float *v, float beta1, float beta2,
                        float rate, float epsilon, float decay);

/// `y += x` over `count` values.
void CRecurKernels_add(long count, const float *x, float *y);

/// `y = x > y ? x : y` over `count` values.
void CRecurKernels_maxInto(long count, const float *x, float *y);

/// Asks the C allocator (glibc's; elsewhere nothing is done and 0 returned) to serve
/// blocks up to `mapLimit` bytes from its heap instead of fresh mappings, and to give freed
/// memory back to the system only when more than `keep` bytes lie free at the heap's top.
/// A training step's buffers of a few megabytes are then reused by the next step instead
/// of being mapped, faulted in page by page and unmapped each time. Returns 1 when both
/// were set.
int CRecurKernels_retainFreedMemory(long mapLimit, long keep);
#endif
