// SHA-256 for the image store: content digests, layer diff IDs, image IDs.
// Two block functions behind one interface: the x86 SHA extensions when cpuid
// reports them, and portable C everywhere else. A context remembers which one
// it uses, so tests can run both on the same machine.
#ifndef BERTH_CDIGEST_H
#define BERTH_CDIGEST_H

#include <stddef.h>
#include <stdint.h>

enum {
    CDIGEST_SHA256_AUTO = 0,     // SHA-NI when available, else portable
    CDIGEST_SHA256_PORTABLE = 1,
    CDIGEST_SHA256_SHANI = 2,
};

typedef struct {
    uint32_t state[8];
    uint64_t length;        // bytes hashed so far
    uint8_t block[64];      // a partial block waiting for more input
    uint32_t used;          // bytes in `block`
    uint32_t impl;          // CDIGEST_SHA256_PORTABLE or CDIGEST_SHA256_SHANI
} cdigest_sha256;

// 1 when this CPU has the SHA extensions (and the SSSE3/SSE4.1 they need).
int cdigest_sha256_shani_available(void);

// Returns 0, or -1 when CDIGEST_SHA256_SHANI is asked for on a CPU without it.
int cdigest_sha256_init(cdigest_sha256 *ctx, int impl);
void cdigest_sha256_update(cdigest_sha256 *ctx, const void *data, size_t len);
// Writes 32 bytes; the context is spent afterwards (copy it first to continue).
void cdigest_sha256_final(cdigest_sha256 *ctx, uint8_t out[32]);

#endif
