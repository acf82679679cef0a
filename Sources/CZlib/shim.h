// zlib, for reading .html.gz pages and corpora.
#ifndef RECUR_CZLIB_SHIM_H
#define RECUR_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro; Swift needs a function. windowBits 16 + 15 reads gzip.
static inline int CZlib_inflateInitGzip(z_stream *stream) {
  return inflateInit2(stream, 16 + MAX_WBITS);
}
#endif
