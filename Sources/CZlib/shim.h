// next_in as a const pointer, so Swift can feed it an UnsafeRawBufferPointer without a cast.
#define ZLIB_CONST
#include <zlib.h>

// inflateInit2/deflateInit2 are macros that pass the library version and the size of
// z_stream; Swift cannot import function-like macros.
static inline int berth_inflate_init2(z_stream *s, int window_bits) {
    return inflateInit2(s, window_bits);
}
static inline int berth_deflate_init2(z_stream *s, int level, int window_bits) {
    return deflateInit2(s, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}
