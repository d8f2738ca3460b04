/* refit sim/: checkpoints.
 *
 * File layout (host byte order: a checkpoint is resumed on the machine, or
 * the kind of machine, that wrote it):
 *   "REFITCK1"                       8 bytes
 *   u64 fingerprint, chains, block_size, block_count, at_count, replicas
 *   block_count bytes                done flags
 *   rec_count doubles                the records (zeros for blocks not done)
 *   u64 FNV-1a 64 of everything above
 * Saving writes path.tmp, fsyncs it, renames it over path and fsyncs the
 * directory: a kill at any moment leaves either the previous checkpoint or
 * the new one, and a torn or altered file fails the checksum on load.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/sim_internal.h"

static const char MAGIC[8] = {'R', 'E', 'F', 'I', 'T', 'C', 'K', '1'};

typedef struct writer {
    int fd;
    uint64_t h;
    int failed;
} writer;

static void put(writer *w, const void *data, size_t size)
{
    if (w->failed) return;
    w->h = sim_fnv1a(w->h, data, size);
    const char *p = data;
    while (size > 0) {
        ssize_t k = write(w->fd, p, size);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            w->failed = 1;
            return;
        }
        p += k;
        size -= (size_t)k;
    }
}

static void put_u64(writer *w, uint64_t x) { put(w, &x, sizeof x); }

/* fsync the directory holding path so the rename itself is durable. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (slash == NULL) {
        dir = strdup(".");
    } else {
        size_t n = (size_t)(slash - path);
        dir = malloc(n + 2);
        if (dir != NULL) {
            memcpy(dir, path, n);
            dir[n == 0 ? 1 : n] = '\0';
            if (n == 0) dir[0] = '/';
        }
    }
    if (dir == NULL) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    free(dir);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

refit_status refit_sim_checkpoint_save(const refit_sim *sim, const char *path)
{
    if (sim == NULL || path == NULL || path[0] == '\0') return REFIT_EINVAL;
    size_t n = strlen(path);
    char *tmp = malloc(n + 5);
    if (tmp == NULL) return REFIT_ENOMEM;
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", 5);
    writer w = {open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), SIM_FNV_OFFSET, 0};
    if (w.fd < 0) {
        free(tmp);
        return REFIT_EIO;
    }
    put(&w, MAGIC, sizeof MAGIC);
    put_u64(&w, sim->fingerprint);
    put_u64(&w, sim->chains);
    put_u64(&w, sim->block_size);
    put_u64(&w, sim->block_count);
    put_u64(&w, (uint64_t)sim->at_count);
    put_u64(&w, (uint64_t)sim->replicas);
    put(&w, sim->done, (size_t)sim->block_count);
    const char *rec = (const char *)sim->rec;
    size_t bytes = sim->rec_count * sizeof(double);
    for (size_t off = 0; off < bytes; off += (size_t)1 << 24)
        put(&w, rec + off, bytes - off < ((size_t)1 << 24) ? bytes - off : (size_t)1 << 24);
    uint64_t h = w.h;
    put(&w, &h, sizeof h);
    int bad = w.failed || fsync(w.fd) != 0;
    bad |= close(w.fd) != 0;
    if (!bad) bad = rename(tmp, path) != 0;
    if (bad) {
        unlink(tmp);
        free(tmp);
        return REFIT_EIO;
    }
    free(tmp);
    sync_dir(path);
    return REFIT_OK;
}

typedef struct reader {
    FILE *f;
    uint64_t h;
    int failed;
} reader;

static void get(reader *r, void *data, size_t size)
{
    if (r->failed) return;
    if (fread(data, 1, size, r->f) != size) {
        r->failed = 1;
        return;
    }
    r->h = sim_fnv1a(r->h, data, size);
}

static uint64_t get_u64(reader *r)
{
    uint64_t x = 0;
    get(r, &x, sizeof x);
    return x;
}

refit_status refit_sim_checkpoint_load(refit_sim *sim, const char *path)
{
    if (sim == NULL || path == NULL) return REFIT_EINVAL;
    reader r = {fopen(path, "rb"), SIM_FNV_OFFSET, 0};
    if (r.f == NULL) return REFIT_EIO;
    char magic[8];
    get(&r, magic, sizeof magic);
    if (r.failed || memcmp(magic, MAGIC, sizeof magic) != 0) {
        fclose(r.f);
        return REFIT_EIO;
    }
    uint64_t fp = get_u64(&r), chains = get_u64(&r), bs = get_u64(&r), bc = get_u64(&r);
    uint64_t at = get_u64(&r), reps = get_u64(&r);
    if (r.failed) {
        fclose(r.f);
        return REFIT_EIO;
    }
    if (fp != sim->fingerprint || chains != sim->chains || bs != sim->block_size ||
        bc != sim->block_count || at != (uint64_t)sim->at_count || reps != (uint64_t)sim->replicas) {
        fclose(r.f);
        return REFIT_EINVAL;
    }
    /* Read into scratch copies: a failed load leaves sim as it was. */
    unsigned char *done = malloc((size_t)bc);
    double *rec = malloc(sim->rec_count * sizeof(double));
    if (done == NULL || rec == NULL) {
        free(done);
        free(rec);
        fclose(r.f);
        return REFIT_ENOMEM;
    }
    get(&r, done, (size_t)bc);
    get(&r, rec, sim->rec_count * sizeof(double));
    uint64_t expect = r.h, stored = 0;
    if (!r.failed && fread(&stored, 1, sizeof stored, r.f) != sizeof stored) r.failed = 1;
    int extra = fgetc(r.f) != EOF;
    fclose(r.f);
    int bad_flags = 0;
    for (uint64_t b = 0; b < bc; b++) bad_flags |= done[b] > 1;
    if (r.failed || extra || stored != expect || bad_flags) {
        free(done);
        free(rec);
        return REFIT_EIO;
    }
    memcpy(sim->done, done, (size_t)bc);
    free(done);
    free(sim->rec);
    sim->rec = rec;
    return REFIT_OK;
}
