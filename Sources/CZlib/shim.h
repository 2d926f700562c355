#ifndef FLEET_CZLIB_SHIM_H
#define FLEET_CZLIB_SHIM_H
#include <zlib.h>

/* inflateInit2 is a macro, which Swift cannot call: start inflating gzip (or zlib) data,
   detected from its header (window bits 15 + 32). */
static inline int fleet_inflate_init_auto(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
#endif
