/* The least work a verified pull must do, as a yardstick for registry_bench.py.
 *
 * One thread per blob: GET it over plain HTTP/1.1 and, per flags, hash it (SHA-256 through
 * OpenSSL, SHA-NI where the CPU has it), write it to a file, gunzip it, hash the result (the
 * diff ID) and write that to a file. No tar parsing, no progress, no retries, no JSON: every
 * step left is one the issue requires of a pull (blob digest verified while it streams; the
 * diff ID, which the layer store is keyed by; the layer on disk), done with the fastest
 * library code on this machine. Comparing curl with this shows what 2 cores leave for a pull.
 *
 * usage: pull_floor [-v] [-k DIR] [-u DIR] HOST PORT PATH...
 *   -v      SHA-256 of each blob as it streams
 *   -k DIR  keep each blob in DIR
 *   -u DIR  gunzip each blob, SHA-256 the result, write it to a file in DIR
 * Prints the wall time in seconds, then one line per blob: digest and diff ID (or "-").
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (256 << 10)

static int verify;
static const char *keep_dir, *unpack_dir;
static const char *host;
static int port;

struct job {
    const char *path;
    int index;
    char digest[65], diff_id[65];
    const char *error;
};

static void hex(EVP_MD_CTX *ctx, char out[65]) {
    unsigned char md[32];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
}

static int write_all(int fd, const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int open_out(const char *dir, int index, const char *what) {
    char name[4096];
    snprintf(name, sizeof name, "%s/%s%d", dir, what, index);
    return open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static void *pull(void *arg) {
    struct job *j = arg;
    strcpy(j->digest, "-");
    strcpy(j->diff_id, "-");
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        j->error = "connect";
        return NULL;
    }
    char req[4096];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n", j->path, host, port);
    if (write_all(s, (unsigned char *)req, (size_t)n) < 0) {
        j->error = "send";
        return NULL;
    }
    unsigned char *buf = malloc(CHUNK), *out = malloc(CHUNK);
    EVP_MD_CTX *blob = EVP_MD_CTX_new(), *diff = EVP_MD_CTX_new();
    EVP_DigestInit_ex(blob, EVP_sha256(), NULL);
    EVP_DigestInit_ex(diff, EVP_sha256(), NULL);
    int keep = keep_dir ? open_out(keep_dir, j->index, "blob") : -1;
    int unpacked = unpack_dir ? open_out(unpack_dir, j->index, "layer") : -1;
    z_stream z = {0};
    if (unpack_dir && inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
        j->error = "inflateInit2";
        return NULL;
    }
    int in_body = 0, zdone = 0;
    size_t have = 0;
    for (;;) {
        ssize_t r = read(s, buf + have, CHUNK - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            j->error = "read";
            break;
        }
        if (r == 0)
            break;
        size_t len = have + (size_t)r, off = 0;
        if (!in_body) {
            unsigned char *end = memmem(buf, len, "\r\n\r\n", 4);
            if (!end) {
                have = len;
                continue;
            }
            if (memcmp(buf, "HTTP/1.1 200", 12) != 0) {
                j->error = "status not 200";
                break;
            }
            in_body = 1;
            off = (size_t)(end - buf) + 4;
        }
        have = 0;
        unsigned char *p = buf + off;
        size_t m = len - off;
        if (verify)
            EVP_DigestUpdate(blob, p, m);
        if (keep >= 0 && write_all(keep, p, m) < 0) {
            j->error = "write blob";
            break;
        }
        if (unpack_dir && !zdone) {
            z.next_in = p;
            z.avail_in = (uInt)m;
            while (z.avail_in > 0 && !zdone) {
                z.next_out = out;
                z.avail_out = CHUNK;
                int zr = inflate(&z, Z_NO_FLUSH);
                if (zr != Z_OK && zr != Z_STREAM_END) {
                    j->error = "inflate";
                    break;
                }
                size_t got = CHUNK - z.avail_out;
                EVP_DigestUpdate(diff, out, got);
                if (write_all(unpacked, out, got) < 0) {
                    j->error = "write layer";
                    break;
                }
                zdone = zr == Z_STREAM_END;
            }
            if (j->error)
                break;
        }
    }
    if (verify)
        hex(blob, j->digest);
    if (unpack_dir)
        hex(diff, j->diff_id);
    close(s);
    if (keep >= 0)
        close(keep);
    if (unpacked >= 0)
        close(unpacked);
    return NULL;
}

int main(int argc, char **argv) {
    int opt;
    while ((opt = getopt(argc, argv, "vk:u:")) != -1) {
        switch (opt) {
        case 'v': verify = 1; break;
        case 'k': keep_dir = optarg; break;
        case 'u': unpack_dir = optarg; break;
        default:
            fprintf(stderr, "usage: pull_floor [-v] [-k DIR] [-u DIR] HOST PORT PATH...\n");
            return 2;
        }
    }
    if (argc - optind < 3) {
        fprintf(stderr, "usage: pull_floor [-v] [-k DIR] [-u DIR] HOST PORT PATH...\n");
        return 2;
    }
    host = argv[optind];
    port = atoi(argv[optind + 1]);
    int count = argc - optind - 2;
    struct job *jobs = calloc((size_t)count, sizeof *jobs);
    pthread_t *threads = calloc((size_t)count, sizeof *threads);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < count; i++) {
        jobs[i].path = argv[optind + 2 + i];
        jobs[i].index = i;
        pthread_create(&threads[i], NULL, pull, &jobs[i]);
    }
    int failed = 0;
    for (int i = 0; i < count; i++) {
        pthread_join(threads[i], NULL);
        if (jobs[i].error) {
            fprintf(stderr, "pull_floor: %s: %s\n", jobs[i].path, jobs[i].error);
            failed = 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.4f\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    for (int i = 0; i < count; i++)
        printf("sha256:%s sha256:%s\n", jobs[i].digest, jobs[i].diff_id);
    return failed;
}
