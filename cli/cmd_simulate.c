/* refit simulate: Monte Carlo chains of the recursion (refit/sim.h), every
 * quantity with a standard error, a 95% interval and a reliability flag.
 *
 * Options -> refit_sim_config -> refit_sim_create (+ refit_sim_checkpoint_load
 * for --resume) -> refit_sim_run (progress bar, periodic checkpoints,
 * SIGINT/SIGTERM) -> refit_sim_result_get -> a table -> a printer.
 *
 * Nothing reaches stdout before the whole table is ready, and stdout never
 * depends on the thread count, the ISA, the timing or an interruption: a
 * resumed run prints exactly what an uninterrupted one prints.  Everything
 * else (progress, notes, errors) goes to stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"
#include "output.h"
#include "refit/kernels.h"
#include "refit/model.h"
#include "refit/sim.h"
#include "refit/theory.h"

#define PREFIX "refit simulate"
#define DEFAULT_AT "0,1,2,5,10,100,1000"
#define GEN_MAX_TEXT "4294967295"
#define EXPECT_AT                                                                                \
    "a comma-separated, strictly increasing list of whole numbers from 0 to " GEN_MAX_TEXT
#define EXPECT_QUANTILES "a comma-separated list of at most 64 distinct numbers p with 0 < p < 1"
#define EXPECT_EPS "a number in (0, 1)"
#define EXPECT_CHAINS "a whole number from 2 to 1073741824 (2^30)"
#define EXPECT_SEED "a whole number from 0 to 18446744073709551615"
#define EXPECT_INIT                                                                              \
    "normal, student:NU (NU > 2), laplace, uniform, mix2:W,MU1,SD1,MU2,SD2 (0 < W < 1, "        \
    "SD1, SD2 > 0) or file:PATH"
#define EXPECT_EVERY "a number of seconds S with 0 < S <= 1000000000"
#define EXPECT_DATA_FILE                                                                         \
    "one finite decimal number per line (blank lines and # comments allowed)"
#define DEFAULT_EVERY 60.0

static const char usage[] =
    "usage: refit simulate [options]\n"
    "\n"
    "Monte Carlo: K independent chains of a Gaussian refitted n times on its own\n"
    "samples; for each reported n every quantity refit theory computes, with its\n"
    "standard error (_se), a 95% interval (_lo, _hi) and whether that interval can\n"
    "be trusted (_reliable).  One column (in the table format, one line) per value.\n"
    "\n"
    "model options:\n"
    "  --M M                constant sample size per generation, 2..2^53 (default 100)\n"
    "  --schedule KIND      const:M | poly:M0,ALPHA (M_i = round(M0 (i+1)^ALPHA), ALPHA >= 0)\n"
    "                       | list:FILE (one size per line, # comments; the last repeats)\n"
    "  --estimator E        unbiased (divide by M-1; default) | mle (divide by M)\n"
    "  --regime R           replace (default) | accumulate (constant schedule only)\n"
    "                       | mix:LAMBDA (0 < LAMBDA <= 1, LAMBDA M_i whole: the fresh samples)\n"
    "  --mu X               true mean (default 0)\n"
    "  --sigma S            true standard deviation, > 0 (default 1)\n"
    "\n"
    "simulation options:\n"
    "  --chains K           independent chains, 2..2^30 (default 1000)\n"
    "  --seed S             0..2^64-1 (default 1); the same seed gives the same output\n"
    "  --mode exact|sample  exact (default): draw each generation's sufficient statistics,\n"
    "                       O(1) per generation; sample: draw every sample (M_i <= 2^32)\n"
    "  --init LAW           generation-0 law, --mode sample only: normal (default) |\n"
    "                       student:NU (NU > 2) | laplace | uniform (all with mean mu, sd\n"
    "                       sigma) | mix2:W,MU1,SD1,MU2,SD2 | file:PATH (one value per line,\n"
    "                       # comments; the data's own mean and sd): mix2 and file fix the\n"
    "                       truth, so --mu and --sigma are refused with them\n"
    "  --importance on|off  importance sampling for the heavy-tailed moments (default on)\n"
    "  --threads T          OpenMP threads, 1..1024 (default 1); the output does not\n"
    "                       depend on T (nor on REFIT_ISA=scalar|avx2|avx512)\n"
    "\n"
    "checkpoints:\n"
    "  --checkpoint FILE    save the state to FILE (atomically) every --checkpoint-every\n"
    "                       seconds, on SIGINT/SIGTERM and at the end\n"
    "  --checkpoint-every S seconds between saves, 0 < S <= 1e9 (default 60)\n"
    "  --resume FILE        continue the run saved in FILE (same options; --threads,\n"
    "                       --format, --log, --quiet and the checkpoint options may differ);\n"
    "                       keeps saving to FILE unless --checkpoint names another\n"
    "\n"
    "output options:\n"
    "  --at N1,N2,...       generations n to report, strictly increasing, 0..2^32-1\n"
    "                       (default " DEFAULT_AT ")\n"
    "  --quantiles P1,...   add var_q<P> = the P-quantile of sigma_n^2, 0 < P < 1 (at most 64)\n"
    "  --eps E              add collapse_prob = P(sigma_n^2 <= E sigma^2), 0 < E < 1\n"
    "  --log                ln_<name>, ln_<name>_lo, ln_<name>_hi for the positive\n"
    "                       quantities (no _se); signed ones (logvar_mean) stay plain\n"
    "  --format F           table (default, transposed) | csv | json\n"
    "  --quiet              no progress bar (it is drawn only when stderr is a terminal)\n"
    "  --help, -h           print this help and exit\n"
    "\n"
    "columns per quantity Q: Q Q_se Q_lo Q_hi Q_reliable (table: true/false, csv: 1/0,\n"
    "json: true/false), for var_mean var_var sd_mean logvar_mean logvar_var mean_mse\n"
    "marginal_var w2sq_mean w2sq_var w2sq_lower (those the engine estimates for the\n"
    "regime), var_median, the --quantiles and collapse_prob.\n"
    "\n"
    "Exit status: 0 done, 2 bad input (one line on stderr), 1 other failure,\n"
    "130 / 143 stopped by SIGINT / SIGTERM (the state is saved with --checkpoint/--resume).\n";

static const cli_option_spec simulate_specs[] = {
    {"--at", 1, EXPECT_AT},
    {"--quantiles", 1, EXPECT_QUANTILES},
    {"--eps", 1, EXPECT_EPS},
    {"--log", 0, "--log alone"},
    {"--chains", 1, EXPECT_CHAINS},
    {"--seed", 1, EXPECT_SEED},
    {"--mode", 1, "exact or sample"},
    {"--init", 1, EXPECT_INIT},
    {"--importance", 1, "on or off"},
    {"--threads", 1, CLI_EXPECT_THREADS},
    {"--checkpoint", 1, "a file name"},
    {"--checkpoint-every", 1, EXPECT_EVERY},
    {"--resume", 1, "a checkpoint file written by --checkpoint"},
    {"--quiet", 0, "--quiet alone"},
    {"--format", 1, "table, csv or json"},
    {"--help", 0, "--help alone"},
    {NULL, 0, NULL},
};

typedef struct sim_opts {
    cli_model_opts model;
    uint64_t *at;
    size_t nat;
    char **quantile_text; /* as typed: the column is named var_q<text> */
    double *quantiles;
    size_t nquantiles;
    double eps;
    int log;
    uint64_t chains, seed;
    refit_sim_mode mode;
    refit_init_law init;
    const char *init_file; /* file:PATH (borrowed from argv) */
    double *init_data;     /* its values (owned); init.data borrows them */
    int importance;
    int threads;
    const char *checkpoint, *resume; /* borrowed from argv */
    double every;
    int quiet;
    cli_format format;
    int have_at, have_quantiles, have_eps, have_log, have_chains, have_seed, have_mode,
        have_init, have_importance, have_threads, have_checkpoint, have_every, have_resume,
        have_quiet, have_format;
} sim_opts;

static void sim_opts_free(sim_opts *o)
{
    cli_model_opts_free(&o->model);
    free(o->at);
    cli_free_list(o->quantile_text, o->nquantiles);
    free(o->quantiles);
    free(o->init_data);
}




/* --init file:PATH: one finite number per line, blank lines and # comments
 * allowed; at least two values, not all equal (D0 needs a positive sd). */
static int read_init_file(sim_opts *o, const char *path)
{
    char pbuf[96];
    FILE *f;
    char *line = NULL;
    size_t cap = 0, used = 0, room = 0, lineno = 0;
    double *data = NULL;
    int rc = -1;

    cli_printable(pbuf, sizeof pbuf, path);
    f = fopen(path, "r");
    if (!f) {
        cli_error(PREFIX, "--init", "cannot read data file '%s': %s; expected a readable file "
                  "with " EXPECT_DATA_FILE, pbuf, strerror(errno));
        return -1;
    }
    for (;;) {
        char *s;
        double x;
        errno = 0;
        if (getline(&line, &cap, f) < 0) {
            if (ferror(f)) {
                cli_error(PREFIX, "--init", "cannot read data file '%s': %s; expected a readable "
                          "file with " EXPECT_DATA_FILE, pbuf, strerror(errno ? errno : EIO));
                goto done;
            }
            break;
        }
        lineno++;
        s = cli_trim_line(line);
        if (*s == '\0') continue;
        if (cli_parse_double(s, &x) != 0) {
            char vbuf[64];
            cli_error(PREFIX, "--init", "data file '%s' line %zu: got '%s'; expected "
                      EXPECT_DATA_FILE, pbuf, lineno, cli_printable(vbuf, sizeof vbuf, s));
            goto done;
        }
        if (used == room) {
            size_t nroom = room ? 2 * room : 64;
            double *p = realloc(data, nroom * sizeof *data);
            if (!p) {
                cli_error(PREFIX, "--init", "out of memory reading '%s'; expected a smaller file",
                          pbuf);
                goto done;
            }
            data = p;
            room = nroom;
        }
        data[used++] = x;
    }
    if (used < 2) {
        cli_error(PREFIX, "--init", "data file '%s' holds %zu value%s; expected at least two "
                  "values, not all equal, " EXPECT_DATA_FILE, pbuf, used, used == 1 ? "" : "s");
        goto done;
    }
    if ((double)used > 67108864.0) {
        cli_error(PREFIX, "--init", "data file '%s' holds %zu values; expected at most 67108864 "
                  "(2^26)", pbuf, used);
        goto done;
    }
    {
        size_t i = 1;
        while (i < used && data[i] == data[0]) i++;
        if (i == used) {
            cli_error(PREFIX, "--init", "data file '%s': all %zu values are equal (sd 0); "
                      "expected at least two distinct values", pbuf, used);
            goto done;
        }
    }
    o->init.kind = REFIT_INIT_DATA;
    o->init.data = data;
    o->init.count = used;
    o->init_data = data;
    o->init_file = path;
    data = NULL;
    rc = 0;
done:
    free(line);
    free(data);
    fclose(f);
    return rc;
}

static int parse_init(sim_opts *o, const char *value)
{
    refit_init_law *law = &o->init;
    *law = refit_init_law_normal();
    if (strcmp(value, "normal") == 0) return 0;
    if (strcmp(value, "laplace") == 0) {
        law->kind = REFIT_INIT_LAPLACE;
        return 0;
    }
    if (strcmp(value, "uniform") == 0) {
        law->kind = REFIT_INIT_UNIFORM;
        return 0;
    }
    if (strncmp(value, "student:", 8) == 0) {
        double nu;
        /* nu <= 2: no variance, so no sd to standardise by. */
        if (cli_parse_double(value + 8, &nu) != 0 || !(nu > 2.0)) {
            cli_bad_value(PREFIX, "--init", value, "student:NU with a finite NU > 2 (the "
                          "variance must exist)");
            return -1;
        }
        law->kind = REFIT_INIT_STUDENT;
        law->nu = nu;
        return 0;
    }
    if (strncmp(value, "mix2:", 5) == 0) {
        static const char expect[] = "mix2:W,MU1,SD1,MU2,SD2 with 0 < W < 1, finite MU1 and "
                                     "MU2, SD1 > 0 and SD2 > 0";
        char **items;
        size_t n;
        double v[5] = {NAN, NAN, NAN, NAN, NAN};
        int bad;
        if (cli_split_list(value + 5, &items, &n) != 0) {
            cli_bad_value(PREFIX, "--init", value, expect);
            return -1;
        }
        bad = n != 5;
        for (size_t i = 0; i < n && !bad; i++) bad = cli_parse_double(items[i], &v[i]) != 0;
        cli_free_list(items, n);
        if (bad || !(v[0] > 0.0 && v[0] < 1.0) || !(v[2] > 0.0) || !(v[4] > 0.0)) {
            cli_bad_value(PREFIX, "--init", value, expect);
            return -1;
        }
        law->kind = REFIT_INIT_MIX2;
        law->w = v[0];
        law->mu1 = v[1];
        law->sd1 = v[2];
        law->mu2 = v[3];
        law->sd2 = v[4];
        return 0;
    }
    if (strncmp(value, "file:", 5) == 0) {
        if (value[5] == '\0') {
            cli_bad_value(PREFIX, "--init", value, "file:PATH with a file name");
            return -1;
        }
        return read_init_file(o, value + 5);
    }
    cli_bad_value(PREFIX, "--init", value, EXPECT_INIT);
    return -1;
}

/* Read the arguments; 1 = done (help printed), 0 = go on, -1 = error. */
static int parse_args(sim_opts *o, int argc, char **argv)
{
    static const cli_option_spec *const sets[] = {cli_model_option_specs, simulate_specs, NULL};
    cli_args args;
    const cli_option_spec *spec;
    const char *value;
    int rc;

    memset(&args, 0, sizeof args);
    args.argc = argc;
    args.argv = argv;
    args.next = 1;
    args.prefix = PREFIX;
    args.spec_sets = sets;
    while ((rc = cli_next_option(&args, &spec, &value)) == 1) {
        const char *name = spec->name;
        if (cli_is_model_option(name)) {
            if (cli_model_option(&o->model, PREFIX, name, value) != 0) return -1;
        } else if (strcmp(name, "--help") == 0) {
            return 1;
        } else if (strcmp(name, "--at") == 0) {
            if (cli_once(PREFIX, &o->have_at, name) != 0 ||
                cli_parse_generations(PREFIX, name, value, EXPECT_AT, REFIT_SIM_GENERATION_MAX, 1,
                                      &o->at, &o->nat) != 0)
                return -1;
        } else if (strcmp(name, "--quantiles") == 0) {
            if (cli_once(PREFIX, &o->have_quantiles, name) != 0 ||
                cli_parse_probabilities(PREFIX, name, value, EXPECT_QUANTILES,
                                        REFIT_SIM_QUANTILES_MAX, &o->quantile_text, &o->quantiles,
                                        &o->nquantiles) != 0)
                return -1;
        } else if (strcmp(name, "--eps") == 0) {
            if (cli_once(PREFIX, &o->have_eps, name) != 0) return -1;
            if (cli_parse_double(value, &o->eps) != 0 || !(o->eps > 0.0 && o->eps < 1.0)) {
                cli_bad_value(PREFIX, name, value, EXPECT_EPS);
                return -1;
            }
        } else if (strcmp(name, "--log") == 0) {
            if (cli_once(PREFIX, &o->have_log, name) != 0) return -1;
            o->log = 1;
        } else if (strcmp(name, "--chains") == 0) {
            if (cli_once(PREFIX, &o->have_chains, name) != 0) return -1;
            if (cli_parse_u64(value, &o->chains) != 0 || o->chains < 2 ||
                o->chains > REFIT_SIM_CHAINS_MAX) {
                cli_bad_value(PREFIX, name, value, EXPECT_CHAINS);
                return -1;
            }
        } else if (strcmp(name, "--seed") == 0) {
            if (cli_once(PREFIX, &o->have_seed, name) != 0) return -1;
            if (cli_parse_u64(value, &o->seed) != 0) {
                cli_bad_value(PREFIX, name, value, EXPECT_SEED);
                return -1;
            }
        } else if (strcmp(name, "--mode") == 0) {
            if (cli_once(PREFIX, &o->have_mode, name) != 0) return -1;
            if (strcmp(value, "exact") == 0) {
                o->mode = REFIT_SIM_EXACT;
            } else if (strcmp(value, "sample") == 0) {
                o->mode = REFIT_SIM_SAMPLE;
            } else {
                cli_bad_value(PREFIX, name, value, "exact or sample");
                return -1;
            }
        } else if (strcmp(name, "--init") == 0) {
            if (cli_once(PREFIX, &o->have_init, name) != 0 || parse_init(o, value) != 0) return -1;
        } else if (strcmp(name, "--importance") == 0) {
            if (cli_once(PREFIX, &o->have_importance, name) != 0) return -1;
            if (strcmp(value, "on") == 0) {
                o->importance = 1;
            } else if (strcmp(value, "off") == 0) {
                o->importance = 0;
            } else {
                cli_bad_value(PREFIX, name, value, "on or off");
                return -1;
            }
        } else if (strcmp(name, "--threads") == 0) {
            if (cli_once(PREFIX, &o->have_threads, name) != 0 ||
                cli_parse_threads(PREFIX, name, value, &o->threads) != 0)
                return -1;
        } else if (strcmp(name, "--checkpoint") == 0) {
            if (cli_once(PREFIX, &o->have_checkpoint, name) != 0) return -1;
            if (*value == '\0') {
                cli_bad_value(PREFIX, name, value, "a file name");
                return -1;
            }
            o->checkpoint = value;
        } else if (strcmp(name, "--checkpoint-every") == 0) {
            if (cli_once(PREFIX, &o->have_every, name) != 0) return -1;
            if (cli_parse_double(value, &o->every) != 0 || !(o->every > 0.0) ||
                !(o->every <= 1e9)) {
                cli_bad_value(PREFIX, name, value, EXPECT_EVERY);
                return -1;
            }
        } else if (strcmp(name, "--resume") == 0) {
            if (cli_once(PREFIX, &o->have_resume, name) != 0) return -1;
            if (*value == '\0') {
                cli_bad_value(PREFIX, name, value, "a checkpoint file written by --checkpoint");
                return -1;
            }
            o->resume = value;
        } else if (strcmp(name, "--quiet") == 0) {
            if (cli_once(PREFIX, &o->have_quiet, name) != 0) return -1;
            o->quiet = 1;
        } else if (strcmp(name, "--format") == 0) {
            if (cli_once(PREFIX, &o->have_format, name) != 0) return -1;
            if (strcmp(value, "table") == 0) {
                o->format = CLI_FORMAT_TABLE;
            } else if (strcmp(value, "csv") == 0) {
                o->format = CLI_FORMAT_CSV;
            } else if (strcmp(value, "json") == 0) {
                o->format = CLI_FORMAT_JSON;
            } else {
                cli_bad_value(PREFIX, name, value, "table, csv or json");
                return -1;
            }
        }
    }
    if (rc < 0) return -1;
    if (!o->have_at && cli_parse_generations(PREFIX, "--at", DEFAULT_AT, EXPECT_AT,
                                             REFIT_SIM_GENERATION_MAX, 1, &o->at, &o->nat) != 0)
        return -1;
    if (cli_model_finish(&o->model, PREFIX) != 0) return -1;
    return 0;
}

/* Cross-option checks once every option is read; 0 or -1 (printed). */
static int check_options(const sim_opts *o)
{
    const refit_init_kind kind = o->init.kind;
    if (o->have_init && o->mode != REFIT_SIM_SAMPLE) {
        cli_error(PREFIX, "--init", "needs --mode sample (exact mode draws the sufficient "
                  "statistics of a Gaussian D0); expected --mode sample --init LAW, or no --init");
        return -1;
    }
    if (kind == REFIT_INIT_MIX2 || kind == REFIT_INIT_DATA) {
        const char *opt = o->model.have_mu ? "--mu" : o->model.have_sigma ? "--sigma" : NULL;
        if (opt) {
            cli_error(PREFIX, opt, "cannot be combined with --init %s, which fixes the truth's "
                      "mean and sd itself; expected --init %s without --mu and --sigma",
                      kind == REFIT_INIT_MIX2 ? "mix2" : "file", kind == REFIT_INIT_MIX2 ?
                      "mix2:W,MU1,SD1,MU2,SD2" : "file:PATH");
            return -1;
        }
    }
    if (o->have_every && !o->checkpoint && !o->resume) {
        cli_error(PREFIX, "--checkpoint-every", "needs a file to save to; expected "
                  "--checkpoint FILE or --resume FILE with it");
        return -1;
    }
    return 0;
}

/* The sample sizes the chains draw, generations 0 .. max(at) - 1: every
 * size must exist (poly: <= 2^53), SAMPLE mode draws at most 2^32 per
 * generation (every size of a list, as the engine checks), and mix needs a
 * constant schedule with LAMBDA M whole (the fresh samples); 0 or -1. */
static int check_sizes(const sim_opts *o)
{
    const refit_model *m = &o->model.model;
    const refit_schedule *s = &m->schedule;
    uint64_t last = o->at[o->nat - 1]; /* strictly increasing: the largest */
    uint64_t first = 0, end = last;
    char a[40], b[40], c[40], d[40];
    if (m->regime == REFIT_REGIME_MIX && !refit_schedule_is_constant(s)) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (f) {
            cli_schedule_text(f, s, o->model.list_file);
            fclose(f);
        }
        cli_error(PREFIX, "--regime", "mix:%s is simulated with a constant schedule only, got "
                  "--schedule %s; expected --M M or --schedule const:M with it",
                  cli_format_short(a, sizeof a, m->lambda), text ? text : "(non-constant)");
        free(text);
        return -1;
    }
    if (last == 0) return 0; /* n = 0 is the truth: nothing is drawn */
    if (refit_schedule_is_constant(s)) {
        end = 1;
    } else if (s->kind == REFIT_SCHEDULE_LIST) {
        end = s->count;
    } else {
        /* poly sizes never decrease (ALPHA >= 0): the last one drawn is the largest. */
        first = last - 1;
    }
    for (uint64_t i = first; i < end; i++) {
        double M;
        if (refit_schedule_size(s, i, &M) != REFIT_OK) {
            /* Only poly sizes pass 2^53: find the largest n that works. */
            uint64_t lo = 0, hi = last;
            while (hi - lo > 1) {
                uint64_t mid = lo + (hi - lo) / 2;
                if (refit_schedule_size(s, mid - 1, &M) == REFIT_OK)
                    lo = mid;
                else
                    hi = mid;
            }
            cli_error(PREFIX, "--at", "got '%" PRIu64 "', but the poly schedule's sample size M_%"
                      PRIu64 " exceeds " CLI_SIZE_MAX_TEXT "; expected n <= %" PRIu64 " for this "
                      "schedule", last, i, lo);
            return -1;
        }
        if (o->mode == REFIT_SIM_SAMPLE && M > REFIT_SIM_SAMPLE_SIZE_MAX) {
            cli_error(PREFIX, "--mode", "sample mode draws every sample, but the schedule's M_%"
                      PRIu64 " = %s; expected sample sizes up to 4294967296 (2^32) with --mode "
                      "sample, or --mode exact", i, cli_format_short(a, sizeof a, M));
            return -1;
        }
        if (m->regime == REFIT_REGIME_MIX) {
            /* The engine's rule: LAMBDA M whole to 1e-9 relative (0.3 x 10
             * counts as 3), at least 1. */
            double fresh = m->lambda * M, w = nearbyint(fresh);
            if (!(fabs(fresh - w) <= 1e-9 * M) || w < 1.0) {
                cli_error(PREFIX, "--regime", "mix:%s draws LAMBDA M fresh samples per "
                          "generation, but %s x %s = %s is not a whole number >= 1; expected "
                          "LAMBDA M whole (e.g. mix:0.1 with M = 100)",
                          cli_format_short(a, sizeof a, m->lambda),
                          cli_format_short(b, sizeof b, m->lambda),
                          cli_format_short(c, sizeof c, M), cli_format_short(d, sizeof d, fresh));
                return -1;
            }
        }
    }
    return 0;
}

/* ---- running: signals, progress bar, periodic checkpoints ----------------- */

/* The cancel flag the engine polls; a signal handler sets it to the signal
 * number.  sig_atomic_t is int here, so it is the engine's flag type. */
static volatile sig_atomic_t stop_signal;
_Static_assert(sizeof(sig_atomic_t) == sizeof(int), "the engine polls an int flag");

static void on_signal(int sig)
{
    stop_signal = sig;
}

typedef struct run_ctx {
    refit_sim *sim;
    const char *save_path; /* NULL: no checkpoints */
    double every;          /* seconds between saves */
    double last_save;
    refit_status save_status; /* a failed periodic save stops the run */
    int bar;                  /* draw the progress bar */
    double start, last_draw;
    uint64_t done_at_start;
    int bar_len; /* characters on the bar's line, to erase it */
} run_ctx;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* "42s", "3m07s", "2h05m". */
static void format_duration(char *buf, size_t size, double s)
{
    if (!(s >= 0.0) || s > 1e8) {
        snprintf(buf, size, "?");
    } else if (s < 60.0) {
        snprintf(buf, size, "%.0fs", floor(s));
    } else if (s < 3600.0) {
        snprintf(buf, size, "%.0fm%02.0fs", floor(s / 60.0), floor(fmod(s, 60.0)));
    } else {
        snprintf(buf, size, "%.0fh%02.0fm", floor(s / 3600.0), floor(fmod(s, 3600.0) / 60.0));
    }
}

static void draw_bar(run_ctx *c, uint64_t done, uint64_t total, double now)
{
    char line[160], el[32], eta[32];
    double elapsed = now - c->start, frac = total ? (double)done / (double)total : 1.0;
    uint64_t run_done = done - c->done_at_start, left = total - done;
    int len;
    format_duration(el, sizeof el, elapsed);
    if (run_done > 0)
        format_duration(eta, sizeof eta, elapsed * (double)left / (double)run_done);
    else
        snprintf(eta, sizeof eta, "?");
    len = snprintf(line, sizeof line, "refit simulate: %" PRIu64 "/%" PRIu64 " chains (%.0f%%), "
                   "%s elapsed, ETA %s", done, total, floor(100.0 * frac), el, eta);
    if (len < 0) return;
    if (len >= (int)sizeof line) len = (int)sizeof line - 1;
    /* Pad over a longer previous line. */
    fprintf(stderr, "\r%s%*s", line, c->bar_len > len ? c->bar_len - len : 0, "");
    fflush(stderr);
    if (len > c->bar_len) c->bar_len = len;
    c->last_draw = now;
}

static void erase_bar(run_ctx *c)
{
    if (!c->bar || c->bar_len == 0) return;
    fprintf(stderr, "\r%*s\r", c->bar_len, "");
    fflush(stderr);
    c->bar_len = 0;
}

/* The engine calls this between waves of chain blocks, from this thread. */
static int on_progress(void *user, uint64_t done, uint64_t total)
{
    run_ctx *c = user;
    double now = now_seconds();
    if (c->save_path && done < total && now - c->last_save >= c->every) {
        refit_status st = refit_sim_checkpoint_save(c->sim, c->save_path);
        c->last_save = now_seconds();
        if (st != REFIT_OK) {
            c->save_status = st;
            return 1; /* stop: running on without checkpoints would be a surprise */
        }
    }
    if (c->bar && (now - c->last_draw >= 0.1 || done == total)) draw_bar(c, done, total, now);
    return 0;
}

/* Exit status for a library failure: the input (2) or the machine (1). */
static int exit_for(refit_status st)
{
    return st == REFIT_ENOMEM || st == REFIT_EIO ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
}

/* ---- the table ---------------------------------------------------------------- */

typedef enum source_kind { SRC_QUANTITY = 0, SRC_MEDIAN, SRC_QUANTILE, SRC_COLLAPSE } source_kind;
typedef enum field {
    F_VALUE = 0,
    F_SE,
    F_LO,
    F_HI,
    F_RELIABLE,
    F_LN_VALUE,
    F_LN_LO,
    F_LN_HI
} field;

typedef struct column {
    source_kind source;
    size_t index; /* SRC_QUANTITY: the refit_quantity; SRC_QUANTILE: the --quantiles index */
    field field;
} column;

static const refit_sim_estimate *estimate_of(const refit_sim_row *row, source_kind source,
                                             size_t index)
{
    switch (source) {
    case SRC_QUANTITY: return &row->quantity[index];
    case SRC_MEDIAN: return &row->median;
    case SRC_QUANTILE: return &row->quantile[index];
    case SRC_COLLAPSE: return &row->collapse_prob;
    }
    return &row->median;
}

/* 1 if the engine estimated this source in some row. */
static int source_present(const refit_sim_result *r, source_kind source, size_t index)
{
    for (size_t i = 0; i < r->row_count; i++)
        if (estimate_of(&r->rows[i], source, index)->status == REFIT_OK) return 1;
    return 0;
}

/* Append the columns of one estimate: base, base_se, base_lo, base_hi,
 * base_reliable; with use_log ln_base, ln_base_lo, ln_base_hi,
 * base_reliable.  0 or -1 (out of memory). */
static int add_columns(column *cols, char **names, size_t *n, source_kind source, size_t index,
                       const char *base, const char *suffix, int use_log)
{
    static const field plain[] = {F_VALUE, F_SE, F_LO, F_HI, F_RELIABLE};
    static const field logs[] = {F_LN_VALUE, F_LN_LO, F_LN_HI, F_RELIABLE};
    static const char *const plain_ends[] = {"", "_se", "_lo", "_hi", "_reliable"};
    static const char *const log_ends[] = {"", "_lo", "_hi", "_reliable"};
    const field *fields = use_log ? logs : plain;
    const char *const *ends = use_log ? log_ends : plain_ends;
    size_t count = use_log ? 4 : 5;
    for (size_t k = 0; k < count; k++) {
        size_t len = strlen(base) + strlen(suffix) + 16;
        const char *ln = use_log && fields[k] != F_RELIABLE ? "ln_" : "";
        names[*n] = malloc(len);
        if (!names[*n]) return -1;
        snprintf(names[*n], len, "%s%s%s%s", ln, base, suffix, ends[k]);
        cols[*n].source = source;
        cols[*n].index = index;
        cols[*n].field = fields[k];
        (*n)++;
    }
    return 0;
}

/* The columns in output order: the quantities in refit_quantity order
 * (skipping LOGVAR_K3/K4 and those not estimated), var_median, the
 * --quantiles, collapse_prob (--eps). */
static int build_columns(const sim_opts *o, const refit_sim_result *r, column **cols_out,
                         char ***names_out, size_t *count_out)
{
    size_t cap = 5 * ((size_t)REFIT_Q_COUNT + o->nquantiles + 2), n = 0;
    column *cols = calloc(cap, sizeof *cols);
    char **names = calloc(cap, sizeof *names);
    if (!cols || !names) goto fail;
    for (size_t q = 0; q < (size_t)REFIT_Q_COUNT; q++) {
        refit_quantity quantity = (refit_quantity)q;
        if (quantity == REFIT_Q_LOGVAR_K3 || quantity == REFIT_Q_LOGVAR_K4) continue;
        if (!source_present(r, SRC_QUANTITY, q)) continue;
        if (add_columns(cols, names, &n, SRC_QUANTITY, q, refit_quantity_name(quantity), "",
                        o->log && !refit_quantity_signed(quantity)) != 0)
            goto fail;
    }
    if (source_present(r, SRC_MEDIAN, 0) &&
        add_columns(cols, names, &n, SRC_MEDIAN, 0, "var_median", "", o->log) != 0)
        goto fail;
    for (size_t i = 0; i < o->nquantiles; i++)
        if (source_present(r, SRC_QUANTILE, i) &&
            add_columns(cols, names, &n, SRC_QUANTILE, i, "var_q", o->quantile_text[i],
                        o->log) != 0)
            goto fail;
    if (o->have_eps && source_present(r, SRC_COLLAPSE, 0) &&
        add_columns(cols, names, &n, SRC_COLLAPSE, 0, "collapse_prob", "", o->log) != 0)
        goto fail;
    *cols_out = cols;
    *names_out = names;
    *count_out = n;
    return 0;
fail:
    free(cols);
    cli_free_list(names, n);
    return -1;
}

/* A plain value whose logarithm is finite but which is itself infinite or
 * 0 has left the double range: out of range, as in refit theory. */
static void set_value(cli_table *t, size_t k, double x, double ln_x)
{
    if (isfinite(ln_x) && (!isfinite(x) || x == 0.0)) {
        t->values[k] = NAN;
        t->cells[k] = CLI_CELL_OUT_OF_RANGE;
    } else {
        t->values[k] = x;
        t->cells[k] = CLI_CELL_VALUE;
    }
}

static void fill_table(const refit_sim_result *r, const column *cols, cli_table *t)
{
    for (size_t i = 0; i < t->nrows; i++) {
        const refit_sim_row *row = &r->rows[i];
        t->n[i] = row->n;
        for (size_t j = 0; j < t->ncols; j++) {
            const column *c = &cols[j];
            const refit_sim_estimate *e = estimate_of(row, c->source, c->index);
            size_t k = i * t->ncols + j;
            int ok = e->status == REFIT_OK;
            t->cells[k] = CLI_CELL_VALUE;
            switch (c->field) {
            case F_VALUE: set_value(t, k, ok ? e->value : NAN, ok ? e->log_value : NAN); break;
            case F_SE: t->values[k] = ok ? e->se : NAN; break;
            case F_LO: set_value(t, k, ok ? e->lo : NAN, ok ? e->log_lo : NAN); break;
            case F_HI: set_value(t, k, ok ? e->hi : NAN, ok ? e->log_hi : NAN); break;
            case F_RELIABLE:
                t->values[k] = ok && e->reliable ? 1.0 : 0.0;
                t->cells[k] = CLI_CELL_BOOL;
                break;
            case F_LN_VALUE: t->values[k] = ok ? e->log_value : NAN; break;
            case F_LN_LO: t->values[k] = ok ? e->log_lo : NAN; break;
            case F_LN_HI: t->values[k] = ok ? e->log_hi : NAN; break;
            }
        }
    }
}

static const char *mode_name(refit_sim_mode mode)
{
    return mode == REFIT_SIM_SAMPLE ? "sample" : "exact";
}

/* The --init law as typed (file: the path, made printable). */
static void init_text(FILE *f, const sim_opts *o)
{
    const refit_init_law *law = &o->init;
    char a[40], b[40], c[40], d[40], e[40], pbuf[96];
    switch (law->kind) {
    case REFIT_INIT_NORMAL: fputs("normal", f); break;
    case REFIT_INIT_STUDENT:
        fprintf(f, "student:%s", cli_format_short(a, sizeof a, law->nu));
        break;
    case REFIT_INIT_LAPLACE: fputs("laplace", f); break;
    case REFIT_INIT_UNIFORM: fputs("uniform", f); break;
    case REFIT_INIT_MIX2:
        /* The model line's mu and sigma are not the truth here: say so. */
        fprintf(f, "mix2:%s,%s,%s,%s,%s (D0's mean and sd replace mu and sigma)",
                cli_format_short(a, sizeof a, law->w), cli_format_short(b, sizeof b, law->mu1),
                cli_format_short(c, sizeof c, law->sd1), cli_format_short(d, sizeof d, law->mu2),
                cli_format_short(e, sizeof e, law->sd2));
        break;
    case REFIT_INIT_DATA:
        fprintf(f, "file:%s (%zu values; D0's mean and sd replace mu and sigma)",
                cli_printable(pbuf, sizeof pbuf, o->init_file ? o->init_file : "?"), law->count);
        break;
    }
}

static void init_json(FILE *f, const sim_opts *o)
{
    const refit_init_law *law = &o->init;
    switch (law->kind) {
    case REFIT_INIT_NORMAL: fputs("{\"law\": \"normal\"}", f); break;
    case REFIT_INIT_STUDENT:
        fputs("{\"law\": \"student\", \"nu\": ", f);
        cli_json_number(f, law->nu);
        fputc('}', f);
        break;
    case REFIT_INIT_LAPLACE: fputs("{\"law\": \"laplace\"}", f); break;
    case REFIT_INIT_UNIFORM: fputs("{\"law\": \"uniform\"}", f); break;
    case REFIT_INIT_MIX2:
        fputs("{\"law\": \"mix2\", \"w\": ", f);
        cli_json_number(f, law->w);
        fputs(", \"mu1\": ", f);
        cli_json_number(f, law->mu1);
        fputs(", \"sd1\": ", f);
        cli_json_number(f, law->sd1);
        fputs(", \"mu2\": ", f);
        cli_json_number(f, law->mu2);
        fputs(", \"sd2\": ", f);
        cli_json_number(f, law->sd2);
        fputc('}', f);
        break;
    case REFIT_INIT_DATA:
        fputs("{\"law\": \"file\", \"file\": ", f);
        cli_json_string(f, o->init_file ? o->init_file : "");
        fprintf(f, ", \"count\": %zu}", law->count);
        break;
    }
}

static void render_params(const sim_opts *o, FILE *f)
{
    fputc('{', f);
    cli_model_json_members(f, &o->model);
    fprintf(f, ", \"chains\": %" PRIu64 ", \"seed\": %" PRIu64 ", \"mode\": \"%s\", \"init\": ",
            o->chains, o->seed, mode_name(o->mode));
    init_json(f, o);
    fprintf(f, ", \"importance\": %s, \"at\": [", o->importance ? "true" : "false");
    for (size_t i = 0; i < o->nat; i++) fprintf(f, "%s%" PRIu64, i ? ", " : "", o->at[i]);
    fputs("], \"eps\": ", f);
    if (o->have_eps)
        cli_json_number(f, o->eps);
    else
        fputs("null", f);
    fputs(", \"quantiles\": [", f);
    for (size_t i = 0; i < o->nquantiles; i++) {
        if (i) fputs(", ", f);
        cli_json_number(f, o->quantiles[i]);
    }
    fprintf(f, "], \"log\": %s}", o->log ? "true" : "false");
}

static void render_description(const sim_opts *o, FILE *f)
{
    char e[40];
    fputs("model: ", f);
    cli_model_describe(f, &o->model);
    if (o->have_eps) fprintf(f, "; eps %s", cli_format_short(e, sizeof e, o->eps));
    fprintf(f, "; chains %" PRIu64 ", seed %" PRIu64 ", mode %s, init ", o->chains, o->seed,
            mode_name(o->mode));
    init_text(f, o);
    fprintf(f, ", importance %s", o->importance ? "on" : "off");
}

/* The truth D0 (set by the law for mix2 and file) and its W2 coupling. */
static void render_summary(const refit_sim_result *r, FILE *text, FILE *json)
{
    char a[40], b[40], c[40];
    fprintf(text, "D0: mean %s, sd %s, W2 coupling c %s\n",
            cli_format_double(a, sizeof a, r->truth_mean),
            cli_format_double(b, sizeof b, r->truth_sd),
            cli_format_double(c, sizeof c, r->w2_coupling));
    fputs("{\"truth_mean\": ", json);
    cli_json_number(json, r->truth_mean);
    fputs(", \"truth_sd\": ", json);
    cli_json_number(json, r->truth_sd);
    fputs(", \"w2_coupling\": ", json);
    cli_json_number(json, r->w2_coupling);
    fputc('}', json);
}


/* --resume: load the checkpoint into a simulation made from the same
 * options; every problem with the file is bad input (2). */
static int load_checkpoint(refit_sim *sim, const char *path)
{
    char pbuf[96];
    refit_status st;
    FILE *f = fopen(path, "rb");
    cli_printable(pbuf, sizeof pbuf, path);
    if (!f) {
        cli_error(PREFIX, "--resume", "cannot read '%s': %s; expected a checkpoint file written "
                  "by --checkpoint", pbuf, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    fclose(f);
    st = refit_sim_checkpoint_load(sim, path);
    switch (st) {
    case REFIT_OK: return CLI_EXIT_OK;
    case REFIT_EINVAL:
        cli_error(PREFIX, "--resume", "'%s' was saved by a run with other options; expected "
                  "the options of that run (only --threads, --format, --log, --quiet and the "
                  "checkpoint options may differ)", pbuf);
        return CLI_EXIT_USAGE;
    case REFIT_ENOMEM:
        cli_error(PREFIX, "--resume", "loading '%s': %s", pbuf, refit_strerror(st));
        return CLI_EXIT_FAILURE;
    default:
        cli_error(PREFIX, "--resume", "'%s' is not a usable checkpoint (unreadable, truncated or "
                  "corrupt): %s; expected a file written by --checkpoint", pbuf,
                  refit_strerror(st));
        return CLI_EXIT_USAGE;
    }
}

/* Run the chains; CLI_EXIT_OK when all are done, else the exit status (the
 * message printed). */
static int run_chains(const sim_opts *o, refit_sim *sim, const char *save_path)
{
    struct sigaction sa, old_int, old_term;
    run_ctx ctx;
    refit_status st;
    char pbuf[96];
    int sig;

    memset(&ctx, 0, sizeof ctx);
    ctx.sim = sim;
    ctx.save_path = save_path;
    ctx.every = o->have_every ? o->every : DEFAULT_EVERY;
    ctx.bar = !o->quiet && isatty(STDERR_FILENO);
    ctx.start = now_seconds();
    ctx.last_save = ctx.start;
    ctx.last_draw = ctx.start - 1.0;
    ctx.done_at_start = refit_sim_chains_done(sim);
    cli_printable(pbuf, sizeof pbuf, save_path ? save_path : "");

    /* A save now checks that the file can be written before any work is
     * spent (with --resume it rewrites what was just loaded). */
    if (save_path) {
        st = refit_sim_checkpoint_save(sim, save_path);
        if (st != REFIT_OK) {
            cli_error(PREFIX, o->checkpoint ? "--checkpoint" : "--resume", "cannot save '%s': "
                      "%s", pbuf, refit_strerror(st));
            return CLI_EXIT_FAILURE;
        }
    }

    /* SA_RESETHAND: a second Ctrl-C while the checkpoint is written kills
     * at once (the save is atomic, so the previous checkpoint survives). */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = (int)SA_RESETHAND;
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    st = refit_sim_run(sim, on_progress, &ctx, &stop_signal);
    sig = stop_signal;
    erase_bar(&ctx);

    if (st == REFIT_ECANCELED && ctx.save_status != REFIT_OK) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        cli_error(PREFIX, o->checkpoint ? "--checkpoint" : "--resume", "saving '%s' failed: %s",
                  pbuf, refit_strerror(ctx.save_status));
        return CLI_EXIT_FAILURE;
    }
    if (st == REFIT_ECANCELED && sig != 0) {
        const char *name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
        uint64_t done = refit_sim_chains_done(sim);
        int rc = sig == SIGTERM ? 143 : 130;
        if (save_path) {
            /* Still under SA_RESETHAND: another signal ends the process. */
            refit_status sv = refit_sim_checkpoint_save(sim, save_path);
            if (sv != REFIT_OK) {
                cli_error(PREFIX, NULL, "stopped by %s after %" PRIu64 " of %" PRIu64 " chains, "
                          "but saving '%s' failed: %s", name, done, o->chains, pbuf,
                          refit_strerror(sv));
                rc = CLI_EXIT_FAILURE;
            } else {
                cli_error(PREFIX, NULL, "stopped by %s after %" PRIu64 " of %" PRIu64 " chains; "
                          "state saved to '%s': continue with the same options and --resume %s",
                          name, done, o->chains, pbuf, pbuf);
            }
        } else {
            cli_error(PREFIX, NULL, "stopped by %s after %" PRIu64 " of %" PRIu64 " chains; "
                      "nothing saved (run with --checkpoint FILE to be able to resume)", name,
                      done, o->chains);
        }
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        return rc;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (st != REFIT_OK) {
        cli_error(PREFIX, NULL, "running the chains: %s", refit_strerror(st));
        return exit_for(st);
    }
    /* Complete: the final state, so that --resume FILE prints the result. */
    if (save_path) {
        st = refit_sim_checkpoint_save(sim, save_path);
        if (st != REFIT_OK) {
            cli_error(PREFIX, o->checkpoint ? "--checkpoint" : "--resume", "saving the final "
                      "state to '%s' failed: %s", pbuf, refit_strerror(st));
            return CLI_EXIT_FAILURE;
        }
    }
    return CLI_EXIT_OK;
}

int cli_cmd_simulate(int argc, char **argv)
{
    sim_opts o;
    refit_sim_config cfg;
    refit_sim *sim = NULL;
    refit_sim_result res;
    int have_res = 0;
    column *cols = NULL;
    char **names = NULL;
    size_t ncols = 0;
    cli_table table;
    char *desc = NULL, *params = NULL, *sum_text = NULL, *sum_json = NULL;
    size_t len[4]; /* open_memstream's sizes, unused: the strings end in NUL */
    FILE *f_desc = NULL, *f_params = NULL, *f_text = NULL, *f_json = NULL;
    refit_status st;
    int rc = CLI_EXIT_USAGE, parsed;

    memset(&o, 0, sizeof o);
    memset(&table, 0, sizeof table);
    memset(&res, 0, sizeof res);
    cli_model_opts_init(&o.model);
    cfg = refit_sim_config_default();
    o.chains = 1000;
    o.seed = 1;
    o.mode = REFIT_SIM_EXACT;
    o.init = refit_init_law_normal();
    o.importance = 1;
    o.threads = 1;
    o.every = DEFAULT_EVERY;
    parsed = parse_args(&o, argc, argv);
    if (parsed == 1) {
        fputs(usage, stdout);
        rc = (fflush(stdout) == 0 && !ferror(stdout)) ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        goto done;
    }
    if (parsed != 0 || check_options(&o) != 0 || check_sizes(&o) != 0) goto done;

    cfg.model = o.model.model;
    cfg.mode = o.mode;
    cfg.init = o.init;
    cfg.chains = o.chains;
    cfg.seed = o.seed;
    cfg.threads = o.threads;
    if (cli_select_isa(PREFIX, &cfg.isa) != 0) goto done;
    cfg.at = o.at;
    cfg.at_count = o.nat;
    cfg.eps = o.have_eps ? o.eps : 0.0;
    cfg.quantiles = o.quantiles;
    cfg.quantile_count = o.nquantiles;
    cfg.importance = o.importance;
    /* The checks above name the option; this is the engine's own word. */
    st = refit_init_law_validate(&cfg.init);
    if (st != REFIT_OK) {
        cli_error(PREFIX, "--init", "the law is rejected: %s; expected %s", refit_strerror(st),
                  EXPECT_INIT);
        goto done;
    }
    st = refit_sim_config_validate(&cfg);
    if (st != REFIT_OK) {
        cli_error(PREFIX, NULL, "the configuration is rejected: %s; expected the ranges listed "
                  "in '" PREFIX " --help'", refit_strerror(st));
        rc = exit_for(st);
        goto done;
    }
    st = refit_sim_create(&cfg, &sim);
    if (st != REFIT_OK) {
        cli_error(PREFIX, NULL, "creating %" PRIu64 " chains x %zu generations: %s", o.chains,
                  o.nat, refit_strerror(st));
        rc = exit_for(st);
        goto done;
    }
    if (o.resume && (rc = load_checkpoint(sim, o.resume)) != CLI_EXIT_OK) goto done;
    rc = run_chains(&o, sim, o.checkpoint ? o.checkpoint : o.resume);
    if (rc != CLI_EXIT_OK) goto done;
    rc = CLI_EXIT_FAILURE;
    st = refit_sim_result_get(sim, &res);
    if (st != REFIT_OK) {
        cli_error(PREFIX, NULL, "collecting the estimates: %s", refit_strerror(st));
        rc = exit_for(st);
        goto done;
    }
    have_res = 1;
    if (res.row_count != o.nat) {
        cli_error(PREFIX, NULL, "collecting the estimates: %zu rows for %zu generations",
                  res.row_count, o.nat);
        goto done;
    }

    if (build_columns(&o, &res, &cols, &names, &ncols) != 0 ||
        cli_table_init(&table, ncols, (const char *const *)names, o.nat) != 0)
        goto oom;
    fill_table(&res, cols, &table);

    f_desc = open_memstream(&desc, &len[0]);
    f_params = open_memstream(&params, &len[1]);
    f_text = open_memstream(&sum_text, &len[2]);
    f_json = open_memstream(&sum_json, &len[3]);
    if (!f_desc || !f_params || !f_text || !f_json) goto oom;
    render_description(&o, f_desc);
    render_params(&o, f_params);
    render_summary(&res, f_text, f_json);
    {
        int bad = cli_close_stream(&f_desc);
        bad |= cli_close_stream(&f_params);
        bad |= cli_close_stream(&f_text);
        bad |= cli_close_stream(&f_json);
        if (bad) goto oom;
    }
    {
        cli_report report = {"simulate", desc, params, &table, sum_text, sum_json};
        if (cli_print_report(stdout, &report, o.format) != 0) {
            fprintf(stderr, PREFIX ": error writing to standard output\n");
            rc = CLI_EXIT_FAILURE;
            goto done;
        }
    }
    if (cli_table_has_out_of_range(&table))
        fprintf(stderr, "refit: note: some values are outside the double range; rerun with "
                        "--log\n");
    rc = CLI_EXIT_OK;
    goto done;
oom:
    cli_error(PREFIX, NULL, "out of memory");
    rc = CLI_EXIT_FAILURE;
done:
    cli_close_stream(&f_desc);
    cli_close_stream(&f_params);
    cli_close_stream(&f_text);
    cli_close_stream(&f_json);
    free(desc);
    free(params);
    free(sum_text);
    free(sum_json);
    cli_table_free(&table);
    free(cols);
    cli_free_list(names, ncols);
    if (have_res) refit_sim_result_free(&res);
    refit_sim_free(sim);
    sim_opts_free(&o);
    return rc;
}
