// OpenBLAS's CBLAS interface, for the network's matrix products.
#ifndef RECUR_CBLAS_SHIM_H
#define RECUR_CBLAS_SHIM_H
#include <cblas.h>

/// Threads OpenBLAS may use; Debian's openblas.pc points at the pthread build.
static inline void CBLAS_set_threads(int count) { openblas_set_num_threads(count); }
static inline int CBLAS_get_threads(void) { return openblas_get_num_threads(); }
#endif
