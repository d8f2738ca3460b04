/* refit verify: the suite of theorem checks (refit/verify.h), each with what
 * is claimed, what was computed and whether it holds.
 *
 * Options -> refit_verify_config -> refit_verify_run (progress on stderr) ->
 * [--report: refit_verify_figures_compute, DIR/report.md, .dat, .gp, gnuplot]
 * -> the whole output rendered in memory -> stdout.
 *
 * Exit status: 0 every check passes, 1 some check fails (or the machine
 * failed), 2 bad input.  stdout never depends on --threads, the ISA or the
 * timing, so two runs with the same options print the same bytes.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"
#include "output.h"
#include "refit/kernels.h"
#include "refit/verify.h"
#include "verify_report.h"

#define PREFIX "refit verify"
#define EXPECT_SEED "a whole number from 0 to 18446744073709551615"
/* The suite's time budget (under 60 s at the default level) assumes the
 * 2-core machine the project is tested on. */
#define DEFAULT_THREADS 2

static const char usage[] =
    "usage: refit verify [--quick | --full] [--format table|json|markdown]\n"
    "                    [--report DIR] [--only ID,...] [--perturb ID]\n"
    "                    [--seed S] [--threads T] [--quiet]\n"
    "\n"
    "Runs the suite of theorem checks (Shumailov et al., Nature 2024, Theorem 3.1, and\n"
    "the accumulate and mix regimes): for each check, what the source claims, the exact\n"
    "value in double precision and in MPFR, the Monte Carlo estimate with its interval,\n"
    "the bound if any, and a verdict by a stated rule.  The Monte Carlo items share a\n"
    "family-wise false-alarm probability alpha = %g (Bonferroni).\n"
    "\n"
    "options:\n"
    "  --quick            a smoke test (seconds); --full: larger grids (minutes);\n"
    "                     neither: the default suite (under a minute on 2 cores)\n"
    "  --format F         table (default, 100 columns) | json | markdown\n"
    "  --report DIR       also write DIR/report.md (the markdown output and figures),\n"
    "                     DIR/<figure>.dat and .gp, and draw DIR/<figure>.png (or .svg)\n"
    "                     with gnuplot from PATH; DIR is created if missing\n"
    "  --only ID,...      run only these checks (ids below)\n"
    "  --perturb ID       break check ID on purpose (a wrong estimator or constant):\n"
    "                     it must then fail, and the exit status is 1\n"
    "  --seed S           Monte Carlo seed, 0..2^64-1 (default %llu); the same seed\n"
    "                     gives the same output\n"
    "  --threads T        OpenMP threads, 1..1024 (default %d, the budget of the 2-core\n"
    "                     test machine); the output does not depend on T\n"
    "  --quiet            no progress line (drawn on stderr only when it is a terminal)\n"
    "  --help, -h         print this help and exit\n"
    "\n"
    "checks (for --only and --perturb):\n  %s\n"
    "\n"
    "Exit status: 0 every check passes, 1 some check fails (or a failure of the\n"
    "machine), 2 bad input (one line on stderr).\n";

static const cli_option_spec verify_specs[] = {
    {"--quick", 0, "--quick alone"},
    {"--full", 0, "--full alone"},
    {"--format", 1, "table, json or markdown"},
    {"--report", 1, "a folder name (created if missing)"},
    {"--only", 1, "a comma-separated list of check ids (see refit verify --help)"},
    {"--perturb", 1, "a check id (see refit verify --help)"},
    {"--seed", 1, EXPECT_SEED},
    {"--threads", 1, CLI_EXPECT_THREADS},
    {"--quiet", 0, "--quiet alone"},
    {"--help", 0, "--help alone"},
    {NULL, 0, NULL},
};

typedef struct verify_opts {
    refit_verify_config config;
    cli_verify_format format;
    const char *report; /* borrowed from argv */
    char **only;
    size_t only_count;
    int quiet;
    int have_level, have_format, have_report, have_only, have_perturb, have_seed, have_threads,
        have_quiet;
} verify_opts;


/* "collapse-as, w2-growth, ..." for messages; malloc'd (NULL: out of memory). */
static char *id_list(const char *sep)
{
    size_t count, len = 0;
    const char *const *ids = refit_verify_ids(&count);
    char *s;
    for (size_t i = 0; i < count; i++) len += strlen(ids[i]) + strlen(sep);
    s = malloc(len + 1);
    if (!s) return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        if (i) strcat(s, sep);
        strcat(s, ids[i]);
    }
    return s;
}

static int known_id(const char *id)
{
    size_t count;
    const char *const *ids = refit_verify_ids(&count);
    for (size_t i = 0; i < count; i++)
        if (strcmp(ids[i], id) == 0) return 1;
    return 0;
}

static void bad_id(const char *option, const char *value)
{
    char *ids = id_list(", ");
    char buf[96];
    cli_error(PREFIX, option, "got '%s'; expected a check id: %s",
              cli_printable(buf, sizeof buf, value), ids ? ids : "see refit verify --help");
    free(ids);
}

static int parse_only(verify_opts *o, const char *value)
{
    if (cli_split_list(value, &o->only, &o->only_count) != 0) {
        cli_bad_value(PREFIX, "--only", value, "a comma-separated list of check ids without "
                      "empty items (see refit verify --help)");
        return -1;
    }
    for (size_t i = 0; i < o->only_count; i++) {
        if (!known_id(o->only[i])) {
            bad_id("--only", o->only[i]);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(o->only[i], o->only[j]) == 0) {
                char buf[96];
                cli_error(PREFIX, "--only", "'%s' is listed twice; expected each check id at "
                          "most once", cli_printable(buf, sizeof buf, o->only[i]));
                return -1;
            }
        }
    }
    return 0;
}

/* Read the arguments; 1 = done (help wanted), 0 = go on, -1 = error. */
static int parse_args(verify_opts *o, int argc, char **argv)
{
    static const cli_option_spec *const sets[] = {verify_specs, NULL};
    cli_args args;
    const cli_option_spec *spec;
    const char *value;
    const char *level_option = NULL;
    int rc;

    memset(&args, 0, sizeof args);
    args.argc = argc;
    args.argv = argv;
    args.next = 1;
    args.prefix = PREFIX;
    args.spec_sets = sets;
    while ((rc = cli_next_option(&args, &spec, &value)) == 1) {
        const char *name = spec->name;
        if (strcmp(name, "--help") == 0) {
            return 1;
        } else if (strcmp(name, "--quick") == 0 || strcmp(name, "--full") == 0) {
            if (o->have_level && strcmp(level_option, name) == 0) {
                cli_error(PREFIX, name, "given more than once; expected it at most once");
                return -1;
            }
            if (o->have_level) {
                cli_error(PREFIX, name, "cannot be combined with %s; expected at most one of "
                          "--quick and --full", level_option);
                return -1;
            }
            o->have_level = 1;
            level_option = name;
            o->config.level = name[2] == 'q' ? REFIT_VERIFY_QUICK : REFIT_VERIFY_FULL;
        } else if (strcmp(name, "--format") == 0) {
            if (cli_once(PREFIX, &o->have_format, name) != 0) return -1;
            if (strcmp(value, "table") == 0) {
                o->format = CLI_VERIFY_TABLE;
            } else if (strcmp(value, "json") == 0) {
                o->format = CLI_VERIFY_JSON;
            } else if (strcmp(value, "markdown") == 0) {
                o->format = CLI_VERIFY_MARKDOWN;
            } else {
                cli_bad_value(PREFIX, name, value, "table, json or markdown");
                return -1;
            }
        } else if (strcmp(name, "--report") == 0) {
            if (cli_once(PREFIX, &o->have_report, name) != 0) return -1;
            if (*value == '\0') {
                cli_bad_value(PREFIX, name, value, "a folder name (created if missing)");
                return -1;
            }
            o->report = value;
        } else if (strcmp(name, "--only") == 0) {
            if (cli_once(PREFIX, &o->have_only, name) != 0 || parse_only(o, value) != 0) return -1;
        } else if (strcmp(name, "--perturb") == 0) {
            if (cli_once(PREFIX, &o->have_perturb, name) != 0) return -1;
            if (!known_id(value)) {
                bad_id(name, value);
                return -1;
            }
            o->config.perturb = value;
        } else if (strcmp(name, "--seed") == 0) {
            if (cli_once(PREFIX, &o->have_seed, name) != 0) return -1;
            if (cli_parse_u64(value, &o->config.seed) != 0) {
                cli_bad_value(PREFIX, name, value, EXPECT_SEED);
                return -1;
            }
        } else if (strcmp(name, "--threads") == 0) {
            if (cli_once(PREFIX, &o->have_threads, name) != 0 ||
                cli_parse_threads(PREFIX, name, value, &o->config.threads) != 0)
                return -1;
        } else if (strcmp(name, "--quiet") == 0) {
            if (cli_once(PREFIX, &o->have_quiet, name) != 0) return -1;
            o->quiet = 1;
        }
    }
    if (rc < 0) return -1;
    /* Breaking a check that does not run would prove nothing. */
    if (o->config.perturb && o->have_only) {
        int listed = 0;
        for (size_t i = 0; i < o->only_count; i++)
            listed |= strcmp(o->only[i], o->config.perturb) == 0;
        if (!listed) {
            char buf[96];
            cli_error(PREFIX, "--perturb", "got '%s', which --only leaves out; expected one of "
                      "the checks that run", cli_printable(buf, sizeof buf, o->config.perturb));
            return -1;
        }
    }
    if (o->have_only) {
        o->config.only = (const char *const *)o->only;
        o->config.only_count = o->only_count;
    }
    return 0;
}

/* ---- progress: one line on stderr, redrawn, erased at the end ------------ */

typedef struct progress {
    int on;
    int len; /* characters on the line, to erase it */
    double start;
} progress;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void progress_draw(progress *p, const char *what)
{
    char line[160];
    int len;
    if (!p->on) return;
    len = snprintf(line, sizeof line, PREFIX ": %s, %.0fs", what, floor(now_seconds() - p->start));
    if (len < 0) return;
    if (len >= (int)sizeof line) len = (int)sizeof line - 1;
    fprintf(stderr, "\r%s%*s", line, p->len > len ? p->len - len : 0, "");
    fflush(stderr);
    if (len > p->len) p->len = len;
}

static void progress_erase(progress *p)
{
    if (!p->on || p->len == 0) return;
    fprintf(stderr, "\r%*s\r", p->len, "");
    fflush(stderr);
    p->len = 0;
}

/* The library calls this between checks. */
static void on_progress(void *user, size_t done, size_t total, const char *id)
{
    char what[128];
    if (id)
        snprintf(what, sizeof what, "%zu/%zu checks done (%s)", done, total, id);
    else
        snprintf(what, sizeof what, "%zu/%zu checks done", done, total);
    progress_draw(user, what);
}

/* ---- the command ----------------------------------------------------------- */

static int print_usage(void)
{
    char *ids = id_list("\n  ");
    int ok;
    const refit_verify_config def = refit_verify_config_default();
    printf(usage, def.alpha, (unsigned long long)def.seed, DEFAULT_THREADS,
           ids ? ids : "(out of memory listing them)");
    ok = fflush(stdout) == 0 && !ferror(stdout);
    free(ids);
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

int cli_cmd_verify(int argc, char **argv)
{
    verify_opts o;
    refit_verify_result res;
    refit_verify_figures figs;
    int have_res = 0, have_figs = 0;
    char *text = NULL;
    size_t len = 0;
    FILE *m = NULL;
    progress prog;
    refit_status st;
    int rc = CLI_EXIT_USAGE, parsed;

    memset(&o, 0, sizeof o);
    memset(&res, 0, sizeof res);
    memset(&figs, 0, sizeof figs);
    memset(&prog, 0, sizeof prog);
    o.config = refit_verify_config_default();
    o.config.level = REFIT_VERIFY_DEFAULT;
    o.config.threads = DEFAULT_THREADS;
    o.format = CLI_VERIFY_TABLE;
    parsed = parse_args(&o, argc, argv);
    if (parsed == 1) {
        rc = print_usage();
        goto done;
    }
    if (parsed != 0) goto done;
    if (cli_select_isa(PREFIX, &o.config.isa) != 0) goto done;
    /* Before any work: a --report that cannot be written is bad input. */
    if (o.report && cli_verify_report_prepare(PREFIX, o.report) != 0) goto done;

    prog.on = !o.quiet && isatty(STDERR_FILENO);
    prog.start = now_seconds();
    progress_draw(&prog, "running the checks");
    st = refit_verify_run(&o.config, on_progress, &prog, &res);
    if (st != REFIT_OK) {
        progress_erase(&prog);
        cli_error(PREFIX, NULL, "running the checks: %s", refit_strerror(st));
        rc = st == REFIT_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAILURE;
        goto done;
    }
    have_res = 1;
    rc = CLI_EXIT_FAILURE;
    if (o.report) {
        cli_verify_report_outcome outcome;
        progress_draw(&prog, "computing the report's figures");
        st = refit_verify_figures_compute(&o.config, &figs);
        if (st != REFIT_OK) {
            progress_erase(&prog);
            cli_error(PREFIX, "--report", "computing the figures: %s", refit_strerror(st));
            goto done;
        }
        have_figs = 1;
        progress_draw(&prog, "writing the report");
        if (cli_verify_report_write(PREFIX, o.report, &res, &o.config, &figs, &outcome) != 0) {
            progress_erase(&prog);
            goto done;
        }
        progress_erase(&prog);
        if (!outcome.gnuplot_found) {
            fprintf(stderr, PREFIX ": warning: gnuplot not found on PATH; the report in '%s' has "
                    "no pictures (install gnuplot-nox, then run gnuplot on its .gp files)\n",
                    o.report);
        } else if (outcome.drawn < figs.count) {
            fprintf(stderr, PREFIX ": warning: gnuplot drew %zu of %zu figures; see %s/gnuplot.log"
                    "\n", outcome.drawn, figs.count, o.report);
        }
    }
    progress_erase(&prog);

    m = open_memstream(&text, &len);
    if (!m) goto oom;
    if (cli_verify_print(m, &res, &o.config, o.format) != 0) {
        fclose(m);
        m = NULL;
        goto oom;
    }
    if (fclose(m) != 0) {
        m = NULL;
        goto oom;
    }
    m = NULL;
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, PREFIX ": error writing to standard output\n");
        rc = CLI_EXIT_FAILURE;
        goto done;
    }
    rc = res.all_pass ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    goto done;
oom:
    cli_error(PREFIX, NULL, "out of memory");
    rc = CLI_EXIT_FAILURE;
done:
    free(text);
    if (have_figs) refit_verify_figures_free(&figs);
    if (have_res) refit_verify_result_free(&res);
    cli_free_list(o.only, o.only_count);
    return rc;
}
