// The kernels' bodies, included by Kernels.c once per instruction path with `KERNEL`
// (the function attributes) and `NAMED(name)` (the path's name for a function) defined.
// Every product element is a chain `acc = acc + a·b` over k in order (fused where the
// path has FMA), in the vector lanes and in the scalar tails alike.

// Tanh on a vector: the rational (13/6) approximation of RecurNN's `fastTanh`.
KERNEL static inline vec NAMED(tanhv)(vec value) {
  const vec limit = VSPLAT(7.905311107635498f);
  const vec low = -limit;
  veci below = value < low;
  vec x = (vec)(((veci)value & ~below) | ((veci)low & below));
  veci above = x > limit;
  x = (vec)(((veci)x & ~above) | ((veci)limit & above));
  vec x2 = x * x;
  vec p = VSPLAT(-2.76076847742355e-16f);
  p = x2 * p + 2.00018790482477e-13f;
  p = x2 * p + -8.60467152213735e-11f;
  p = x2 * p + 5.12229709037114e-08f;
  p = x2 * p + 1.48572235717979e-05f;
  p = x2 * p + 6.37261928875436e-04f;
  p = x2 * p + 4.89352455891786e-03f;
  p = x * p;
  vec q = VSPLAT(1.19825839466702e-06f);
  q = x2 * q + 1.18534705686654e-04f;
  q = x2 * q + 2.26843463243900e-03f;
  q = x2 * q + 4.89352518554385e-03f;
  return p / q;
}

KERNEL static inline float NAMED(tanh1)(float value) {
  const float limit = 7.905311107635498f;
  float x = value < -limit ? -limit : value;
  x = x > limit ? limit : x;
  float x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = x2 * p + 2.00018790482477e-13f;
  p = x2 * p + -8.60467152213735e-11f;
  p = x2 * p + 5.12229709037114e-08f;
  p = x2 * p + 1.48572235717979e-05f;
  p = x2 * p + 6.37261928875436e-04f;
  p = x2 * p + 4.89352455891786e-03f;
  p = x * p;
  float q = 1.19825839466702e-06f;
  q = x2 * q + 1.18534705686654e-04f;
  q = x2 * q + 2.26843463243900e-03f;
  q = x2 * q + 4.89352518554385e-03f;
  return p / q;
}

KERNEL static inline vec NAMED(sigmoidv)(vec value) { return 0.5f + 0.5f * NAMED(tanhv)(0.5f * value); }
KERNEL static inline float NAMED(sigmoid1)(float value) { return 0.5f + 0.5f * NAMED(tanh1)(0.5f * value); }

// A block of MR rows by NV column vectors of C. MR and NV are constants at every
// call, so the accumulators stay in registers. Element (i, p) of A is `a[i·as + p·ak]`:
// `as` = lda, `ak` = 1 for A as stored, `as` = 1, `ak` = lda for A stored transposed
// (the gradients' `Xᵀ · dY`), read in place.
#define PRODUCT_BLOCK(MR, NV)                                                                                     \
  KERNEL static void NAMED(block_##MR##x##NV)(long k, const float *a, long as, long ak, const float *b, long ldb, \
                                               float *c, long ldc, int accumulate) {                              \
    vec acc[MR][NV];                                                                                              \
    for (int i = 0; i < MR; i++)                                                                                  \
      for (int j = 0; j < NV; j++) acc[i][j] = accumulate ? VLOAD(c + i * ldc + LANES * j) : VSPLAT(0);           \
    for (long p = 0; p < k; p++) {                                                                                \
      const float *row = b + p * ldb;                                                                             \
      vec bv[NV];                                                                                                 \
      for (int j = 0; j < NV; j++) bv[j] = VLOAD(row + LANES * j);                                                \
      for (int i = 0; i < MR; i++) {                                                                              \
        vec av = VSPLAT(a[i * as + p * ak]);                                                                      \
        for (int j = 0; j < NV; j++) acc[i][j] = acc[i][j] + av * bv[j];                                          \
      }                                                                                                           \
    }                                                                                                             \
    for (int i = 0; i < MR; i++)                                                                                  \
      for (int j = 0; j < NV; j++) VSTORE(c + i * ldc + LANES * j, acc[i][j]);                                    \
  }

PRODUCT_BLOCK(1, 8)
PRODUCT_BLOCK(1, 16)
PRODUCT_BLOCK(1, 2)
PRODUCT_BLOCK(1, 1)
PRODUCT_BLOCK(2, 2)
PRODUCT_BLOCK(3, 2)
PRODUCT_BLOCK(4, 2)
PRODUCT_BLOCK(5, 2)
PRODUCT_BLOCK(6, 2)
PRODUCT_BLOCK(2, 1)
PRODUCT_BLOCK(3, 1)
PRODUCT_BLOCK(4, 1)
PRODUCT_BLOCK(5, 1)
PRODUCT_BLOCK(6, 1)

// The block of `rows` (1…6) rows by NV vectors: the block sizes are constants of their
// functions, so a switch picks one.
#ifndef BLOCK_OF_ROWS
#define BLOCK_OF_ROWS(rows, NV, ...)                                                                            \
  switch (rows) {                                                                                               \
  case 6: NAMED(block_6x##NV)(__VA_ARGS__); break;                                                              \
  case 5: NAMED(block_5x##NV)(__VA_ARGS__); break;                                                              \
  case 4: NAMED(block_4x##NV)(__VA_ARGS__); break;                                                              \
  case 3: NAMED(block_3x##NV)(__VA_ARGS__); break;                                                              \
  case 2: NAMED(block_2x##NV)(__VA_ARGS__); break;                                                              \
  default: NAMED(block_1x##NV)(__VA_ARGS__); break;                                                             \
  }
#endif

// The columns past the last full vector: B's columns copied into one zero-padded vector
// column (`padded`, `[k, LANES]`), run through the vector blocks into a small block of
// C, and the real columns copied back. Each element is still one chain over k in order,
// as in the full vectors.
KERNEL static void NAMED(tail)(long rows, long columns, long k, const float *a, long as, long ak, const float *b,
                               long ldb, float *c, long ldc, int accumulate, float *padded) {
  for (long p = 0; p < k; p++) {
    for (long j = 0; j < LANES; j++) padded[p * LANES + j] = j < columns ? b[p * ldb + j] : 0.0f;
  }
  float block[6 * LANES];
  for (long i = 0; i < rows; i += 6) {
    long count = rows - i < 6 ? rows - i : 6;
    for (long r = 0; r < count; r++) {
      for (long j = 0; j < LANES; j++) block[r * LANES + j] = accumulate && j < columns ? c[(i + r) * ldc + j] : 0.0f;
    }
    const float *rowsOfA = a + i * as;
    BLOCK_OF_ROWS(count, 1, k, rowsOfA, as, ak, padded, LANES, block, LANES, 1)
    for (long r = 0; r < count; r++) {
      for (long j = 0; j < columns; j++) c[(i + r) * ldc + j] = block[r * LANES + j];
    }
  }
}

// MR rows (1…6) against the columns [start, end): two vectors at a time, then one, then the tail.
KERNEL static void NAMED(rowBlock)(long rows, long start, long end, long k, const float *a, long as, long ak,
                                   const float *b, long ldb, float *c, long ldc, int accumulate) {
  long j = start;
  for (; j + 2 * LANES <= end; j += 2 * LANES) {
    BLOCK_OF_ROWS(rows, 2, k, a, as, ak, b + j, ldb, c + j, ldc, accumulate)
  }
  for (; j + LANES <= end; j += LANES) {
    BLOCK_OF_ROWS(rows, 1, k, a, as, ak, b + j, ldb, c + j, ldc, accumulate)
  }
}

// A long k in parts of KC rows of B, each part's sums carried on from the last through C:
// every element is still one chain over k in order (C holds the chain's exact value
// between parts), and a part of B stays in cache while every row of A passes over it.
#ifndef KC
#define KC 256
#endif

// A part: k is at most KC.
KERNEL static void NAMED(gemmPart)(long m, long n, long k, const float *a, long as, long ak, const float *b, long ldb,
                                   float *c, long ldc, int accumulate) {
  long full = n - n % LANES;
  if (m == 1) {
    // One row (a batch of one): eight vectors at a time keep eight independent chains.
    long j = 0;
#if LANES == 16
    for (; j + 16 * LANES <= full; j += 16 * LANES) NAMED(block_1x16)(k, a, as, ak, b + j, ldb, c + j, ldc, accumulate);
#endif
    for (; j + 8 * LANES <= full; j += 8 * LANES) NAMED(block_1x8)(k, a, as, ak, b + j, ldb, c + j, ldc, accumulate);
    NAMED(rowBlock)(1, j, full, k, a, as, ak, b, ldb, c, ldc, accumulate);
  } else {
    // Panels of 64 columns (a panel of B stays in the first-level cache while every row
    // block passes over it), rows six at a time.
    for (long start = 0; start < full; start += 64) {
      long end = start + 64 < full ? start + 64 : full;
      for (long i = 0; i < m; i += 6) {
        long rows = m - i < 6 ? m - i : 6;
        NAMED(rowBlock)(rows, start, end, k, a + i * as, as, ak, b, ldb, c + i * ldc, ldc, accumulate);
      }
    }
  }
  if (full < n) {
    float padded[KC * LANES];
    NAMED(tail)(m, n - full, k, a, as, ak, b + full, ldb, c + full, ldc, accumulate, padded);
  }
}

KERNEL static void NAMED(gemm)(long m, long n, long k, const float *a, long as, long ak, const float *b, long ldb,
                               float *c, long ldc, int accumulate) {
  long start = 0;
  do {
    long part = k - start < KC ? k - start : KC;
    NAMED(gemmPart)(m, n, part, a + start * ak, as, ak, b + start * ldb, ldb, c, ldc, accumulate || start > 0);
    start += part;
  } while (start < k);
}

// One row against B packed by `packRows`: blocks of ROW_VECTORS vectors of columns, each
// block's k rows one after another, so the whole product streams through memory in
// order. Columns past the last full block are read from B itself.
#if LANES == 16
#define ROW_VECTORS 16
#else
#define ROW_VECTORS 8
#endif

KERNEL static long NAMED(packedSize)(long k, long n) { return k * (n - n % (ROW_VECTORS * LANES)); }

KERNEL static void NAMED(packRows)(long k, long n, const float *b, float *packed) {
  const long width = ROW_VECTORS * LANES;
  for (long start = 0; start + width <= n; start += width) {
    for (long p = 0; p < k; p++) {
      for (long j = 0; j < width; j++) packed[start * k + p * width + j] = b[p * n + start + j];
    }
  }
}

KERNEL static void NAMED(rowProduct)(long k, long n, const float *a, const float *b, const float *packed, float *c,
                                     int accumulate) {
  const long width = ROW_VECTORS * LANES;
  long j = 0;
  for (; j + width <= n; j += width) {
#if LANES == 16
    NAMED(block_1x16)(k, a, k, 1, packed + j * k, width, c + j, n, accumulate);
#else
    NAMED(block_1x8)(k, a, k, 1, packed + j * k, width, c + j, n, accumulate);
#endif
  }
  if (j < n) NAMED(gemm)(1, n - j, k, a, k, 1, b + j, n, c + j, n, accumulate);
}
#undef ROW_VECTORS

KERNEL static void NAMED(tanhInPlace)(float *values, long count) {
  long i = 0;
  for (; i + LANES <= count; i += LANES) VSTORE(values + i, NAMED(tanhv)(VLOAD(values + i)));
  for (; i < count; i++) values[i] = NAMED(tanh1)(values[i]);
}

KERNEL static void NAMED(rnnForward)(long rows, long hidden, float *pre) {
  for (long r = 0; r < rows; r++) NAMED(tanhInPlace)(pre + r * hidden, hidden);
}

KERNEL static void NAMED(rnnBackward)(long rows, long hidden, const float *a, const float *dA, float *dPre) {
  long count = rows * hidden;
  long i = 0;
  for (; i + LANES <= count; i += LANES) {
    vec y = VLOAD(a + i);
    VSTORE(dPre + i, VLOAD(dA + i) * (1.0f - y * y));
  }
  for (; i < count; i++) dPre[i] = dA[i] * (1.0f - a[i] * a[i]);
}

KERNEL static void NAMED(gruForward)(long rows, long hidden, const float *x, const float *r, const float *hPrev,
                                     float *h, float *saved) {
  for (long row = 0; row < rows; row++) {
    const float *xr = x + row * 3 * hidden;
    const float *rr = r + row * 3 * hidden;
    const float *hp = hPrev + row * hidden;
    float *out = h + row * hidden;
    float *keep = saved ? saved + row * 3 * hidden : 0;
    long u = 0;
    for (; u + LANES <= hidden; u += LANES) {
      vec z = NAMED(sigmoidv)(VLOAD(xr + u) + VLOAD(rr + u));
      vec reset = NAMED(sigmoidv)(VLOAD(xr + hidden + u) + VLOAD(rr + hidden + u));
      vec n = NAMED(tanhv)(VLOAD(xr + 2 * hidden + u) + reset * VLOAD(rr + 2 * hidden + u));
      VSTORE(out + u, (1.0f - z) * n + z * VLOAD(hp + u));
      if (keep) {
        VSTORE(keep + u, z);
        VSTORE(keep + hidden + u, reset);
        VSTORE(keep + 2 * hidden + u, n);
      }
    }
    for (; u < hidden; u++) {
      float z = NAMED(sigmoid1)(xr[u] + rr[u]);
      float reset = NAMED(sigmoid1)(xr[hidden + u] + rr[hidden + u]);
      float n = NAMED(tanh1)(xr[2 * hidden + u] + reset * rr[2 * hidden + u]);
      out[u] = (1.0f - z) * n + z * hp[u];
      if (keep) {
        keep[u] = z;
        keep[hidden + u] = reset;
        keep[2 * hidden + u] = n;
      }
    }
  }
}

KERNEL static void NAMED(gruBackward)(long rows, long hidden, const float *saved, const float *r,
                                      const float *hPrev, const float *dH, float *dX, float *dR, float *dHPrev) {
  for (long row = 0; row < rows; row++) {
    long g = row * 3 * hidden;
    long s = row * hidden;
    for (long u = 0; u < hidden; u++) {
      float d = dH[s + u];
      float z = saved[g + u], reset = saved[g + hidden + u], n = saved[g + 2 * hidden + u];
      float dn = d * (1.0f - z) * (1.0f - n * n);
      float dz = d * (hPrev[s + u] - n) * z * (1.0f - z);
      float dReset = dn * r[g + 2 * hidden + u] * reset * (1.0f - reset);
      dX[g + u] = dz;
      dR[g + u] = dz;
      dX[g + hidden + u] = dReset;
      dR[g + hidden + u] = dReset;
      dX[g + 2 * hidden + u] = dn;
      dR[g + 2 * hidden + u] = dn * reset;
      dHPrev[s + u] = d * z;
    }
  }
}

// One vector of LSTM units: `g` holds the four gates' pre-activations `stride` apart,
// overwritten by their activations; the new cell state and output go to `c` and `h`.
KERNEL static inline void NAMED(lstmUnits)(float *g, long stride, const float *cp, float *c, float *h) {
  vec i = NAMED(sigmoidv)(VLOAD(g));
  vec f = NAMED(sigmoidv)(VLOAD(g + stride));
  vec candidate = NAMED(tanhv)(VLOAD(g + 2 * stride));
  vec o = NAMED(sigmoidv)(VLOAD(g + 3 * stride));
  vec cell = f * VLOAD(cp) + i * candidate;
  VSTORE(c, cell);
  VSTORE(h, o * NAMED(tanhv)(cell));
  VSTORE(g, i);
  VSTORE(g + stride, f);
  VSTORE(g + 2 * stride, candidate);
  VSTORE(g + 3 * stride, o);
}

// The units past the last whole vector run as one vector padded with zeros (their lanes
// compute what the scalar functions would, with no scalar division per unit).
KERNEL static void NAMED(lstmForward)(long rows, long hidden, float *gates, const float *cPrev, float *c, float *h) {
  for (long row = 0; row < rows; row++) {
    float *g = gates + row * 4 * hidden;
    const float *cp = cPrev + row * hidden;
    float *cr = c + row * hidden;
    float *hr = h + row * hidden;
    long u = 0;
    for (; u + LANES <= hidden; u += LANES) NAMED(lstmUnits)(g + u, hidden, cp + u, cr + u, hr + u);
    long tail = hidden - u;
    if (tail == 0) continue;
    float pg[4 * LANES], pcp[LANES], pc[LANES], ph[LANES];
    for (long l = 0; l < LANES; l++) {
      for (long gate = 0; gate < 4; gate++) pg[gate * LANES + l] = l < tail ? g[gate * hidden + u + l] : 0.0f;
      pcp[l] = l < tail ? cp[u + l] : 0.0f;
    }
    NAMED(lstmUnits)(pg, LANES, pcp, pc, ph);
    for (long l = 0; l < tail; l++) {
      for (long gate = 0; gate < 4; gate++) g[gate * hidden + u + l] = pg[gate * LANES + l];
      cr[u + l] = pc[l];
      hr[u + l] = ph[l];
    }
  }
}

KERNEL static void NAMED(lstmBackward)(long rows, long hidden, const float *gates, const float *cPrev,
                                       const float *c, const float *dH, float *dC, float *dGates) {
  for (long row = 0; row < rows; row++) {
    const float *g = gates + row * 4 * hidden;
    float *dg = dGates + row * 4 * hidden;
    long s = row * hidden;
    long u = 0;
    for (; u + LANES <= hidden; u += LANES) {
      vec i = VLOAD(g + u), f = VLOAD(g + hidden + u), candidate = VLOAD(g + 2 * hidden + u);
      vec o = VLOAD(g + 3 * hidden + u);
      vec t = NAMED(tanhv)(VLOAD(c + s + u));
      vec d = VLOAD(dH + s + u);
      vec dc = VLOAD(dC + s + u) + d * o * (1.0f - t * t);
      VSTORE(dg + 3 * hidden + u, d * t * o * (1.0f - o));
      VSTORE(dg + u, dc * candidate * i * (1.0f - i));
      VSTORE(dg + hidden + u, dc * VLOAD(cPrev + s + u) * f * (1.0f - f));
      VSTORE(dg + 2 * hidden + u, dc * i * (1.0f - candidate * candidate));
      VSTORE(dC + s + u, dc * f);
    }
    for (; u < hidden; u++) {
      float i = g[u], f = g[hidden + u], candidate = g[2 * hidden + u], o = g[3 * hidden + u];
      float t = NAMED(tanh1)(c[s + u]);
      float d = dH[s + u];
      float dc = dC[s + u] + d * o * (1.0f - t * t);
      dg[3 * hidden + u] = d * t * o * (1.0f - o);
      dg[u] = dc * candidate * i * (1.0f - i);
      dg[hidden + u] = dc * cPrev[s + u] * f * (1.0f - f);
      dg[2 * hidden + u] = dc * i * (1.0f - candidate * candidate);
      dC[s + u] = dc * f;
    }
  }
}

KERNEL static void NAMED(adam)(long count, float *w, const float *g, float *m, float *v, float beta1, float beta2,
                               float rate, float epsilon, float decay) {
  long i = 0;
  const float keep1 = 1.0f - beta1, keep2 = 1.0f - beta2;
  for (; i + LANES <= count; i += LANES) {
    vec gradient = VLOAD(g + i);
    vec first = beta1 * VLOAD(m + i) + keep1 * gradient;
    vec second = beta2 * VLOAD(v + i) + keep2 * gradient * gradient;
    VSTORE(m + i, first);
    VSTORE(v + i, second);
    VSTORE(w + i, VLOAD(w + i) * decay - rate * first / (__builtin_elementwise_sqrt(second) + epsilon));
  }
  for (; i < count; i++) {
    float first = beta1 * m[i] + keep1 * g[i];
    float second = beta2 * v[i] + keep2 * g[i] * g[i];
    m[i] = first;
    v[i] = second;
    w[i] = w[i] * decay - rate * first / (__builtin_sqrtf(second) + epsilon);
  }
}

KERNEL static void NAMED(maxInto)(long count, const float *x, float *y) {
  long i = 0;
  for (; i + LANES <= count; i += LANES) {
    vec a = VLOAD(x + i), b = VLOAD(y + i);
    veci larger = a > b;
    VSTORE(y + i, (vec)(((veci)a & larger) | ((veci)b & ~larger)));
  }
  for (; i < count; i++) y[i] = x[i] > y[i] ? x[i] : y[i];
}

KERNEL static void NAMED(add)(long count, const float *x, float *y) {
  long i = 0;
  for (; i + LANES <= count; i += LANES) VSTORE(y + i, VLOAD(y + i) + VLOAD(x + i));
  for (; i < count; i++) y[i] += x[i];
}
