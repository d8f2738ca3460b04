/* refit theory: the closed forms of refit/theory.h and the distribution of
 * refit/distribution.h for each requested n.
 *
 * Options -> refit_model -> one refit_theory_row call per n (plus one
 * refit_theory_var_moment call per --moments cell and one refit_dist_* call
 * per distribution cell) -> a printer.  Every value is computed before
 * anything is printed, so an error leaves stdout empty.
 *
 * --collapse-time switches to a second view: one column tau_cdf_lower per n
 * and a summary with the bounds on E tau_eps.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "output.h"
#include "refit/distribution.h"
#include "refit/model.h"
#include "refit/theory.h"

#define PREFIX "refit theory"
#define EXPECT_AT "a comma-separated list of whole numbers from 0 to " CLI_SIZE_MAX_TEXT
#define EXPECT_MOMENTS "a comma-separated list of distinct finite numbers r"
#define EXPECT_QUANTILES "a comma-separated list of distinct numbers p with 0 < p < 1"
#define EXPECT_EPS "a number in (0, 1)"
#define DEFAULT_AT "0,1,2,5,10,100,1000"
/* The library counts generations in double: n is exact up to 2^53. */
#define THEORY_AT_MAX ((uint64_t)1 << 53)

static const char usage[] =
    "usage: refit theory [options]\n"
    "\n"
    "Exact moments of a Gaussian refitted n times on its own samples (closed forms),\n"
    "one column (or, in the table format, one line) per quantity.\n"
    "\n"
    "model options:\n"
    "  --M M                constant sample size per generation, 2..2^53 (default 100)\n"
    "  --schedule KIND      const:M | poly:M0,ALPHA (M_i = round(M0 (i+1)^ALPHA), ALPHA >= 0)\n"
    "                       | list:FILE (one size per line, # comments; the last repeats)\n"
    "  --estimator E        unbiased (divide by M-1; default) | mle (divide by M)\n"
    "  --regime R           replace (default) | accumulate (constant schedule only)\n"
    "                       | mix:LAMBDA (a fraction 0 < LAMBDA <= 1 of fresh real data)\n"
    "  --mu X               true mean (default 0)\n"
    "  --sigma S            true standard deviation, > 0 (default 1)\n"
    "\n"
    "output options:\n"
    "  --at N1,N2,...       generations n to report, 0..2^53 (default " DEFAULT_AT ")\n"
    "  --moments R1,R2,...  add columns var_pow<R> = E[(sigma_n^2)^R] (replace regime)\n"
    "  --quantiles P1,...   add columns var_q<P> = the P-quantile of sigma_n^2, 0 < P < 1\n"
    "                       (replace regime)\n"
    "  --eps E              add the column collapse_prob = P(sigma_n^2 <= E sigma^2),\n"
    "                       0 < E < 1 (replace regime)\n"
    "  --collapse-time      with --eps: bounds on the collapse time tau_E = min{n :\n"
    "                       sigma_n^2 <= E sigma^2} instead of the moments: per n\n"
    "                       tau_cdf_lower <= P(tau_E <= n); a summary with\n"
    "                       tau_mean_lower <= E tau_E <= tau_mean_upper (replace regime,\n"
    "                       constant schedule)\n"
    "  --log                print ln of every positive quantity, named ln_<name>\n"
    "  --format F           table (default, transposed) | csv | json\n"
    "  --help, -h           print this help and exit\n"
    "\n"
    "quantities: var_mean var_var sd_mean logvar_mean logvar_var logvar_k3 logvar_k4\n"
    "mean_mse marginal_var w2sq_mean w2sq_var w2sq_lower var_median (replace regime,\n"
    "not by default for poly schedules: ask with --quantiles 0.5;\n"
    "accumulate and mix: var_mean mean_mse marginal_var w2sq_lower).  Values that do\n"
    "not fit a double print as out-of-range (csv: empty, json: null): rerun with --log.\n"
    "The mix regime adds a summary (table, json): the threshold lambda_star and the\n"
    "fixed point.  Cost: O(1) per moment for constant schedules, O(n) for poly\n"
    "schedules; each distribution value (var_median, var_q, collapse_prob) costs a\n"
    "few hundred evaluations of the cumulant generating function.\n";

static const cli_option_spec theory_specs[] = {
    {"--at", 1, EXPECT_AT},
    {"--moments", 1, EXPECT_MOMENTS},
    {"--quantiles", 1, EXPECT_QUANTILES},
    {"--eps", 1, EXPECT_EPS},
    {"--collapse-time", 0, "--collapse-time alone"},
    {"--log", 0, "--log alone"},
    {"--format", 1, "table, csv or json"},
    {"--help", 0, "--help alone"},
    {NULL, 0, NULL},
};

/* What one output column holds. */
typedef enum column_kind {
    COL_QUANTITY = 0, /* a refit_quantity from the row */
    COL_MOMENT,       /* E[(sigma_n^2)^r] */
    COL_QUANTILE,     /* the r-quantile of sigma_n^2 (var_median: r = 0.5) */
    COL_CDF,          /* P(sigma_n^2 <= eps sigma^2): collapse_prob, tau_cdf_lower */
    COL_TAU_LOWER,    /* E tau_eps >= this (the same in every row: csv only) */
    COL_TAU_UPPER     /* E tau_eps <= this (likewise) */
} column_kind;

typedef struct column {
    column_kind kind;
    refit_quantity quantity;
    double r;
    int use_log; /* call the _log variant */
} column;

typedef struct theory_opts {
    cli_model_opts model;
    uint64_t *at;
    size_t nat;
    char **moment_text; /* as typed: the column is named var_pow<text> */
    double *moments;
    size_t nmoments;
    char **quantile_text; /* as typed: the column is named var_q<text> */
    double *quantiles;
    size_t nquantiles;
    double eps;
    int collapse_time;
    int log;
    cli_format format;
    int have_at, have_moments, have_quantiles, have_eps, have_collapse_time, have_log, have_format;
    /* --collapse-time: the bounds on E tau_eps and the drift E ln q */
    double tau_lower, tau_upper, drift;
} theory_opts;

static void theory_opts_free(theory_opts *o)
{
    cli_model_opts_free(&o->model);
    free(o->at);
    cli_free_list(o->moment_text, o->nmoments);
    free(o->moments);
    cli_free_list(o->quantile_text, o->nquantiles);
    free(o->quantiles);
}



static int parse_moments(theory_opts *o, const char *value)
{
    char **items;
    size_t n;
    if (cli_split_list(value, &items, &n) != 0) {
        cli_bad_value(PREFIX, "--moments", value, EXPECT_MOMENTS);
        return -1;
    }
    o->moment_text = items;
    o->nmoments = n;
    o->moments = malloc(n * sizeof *o->moments);
    if (!o->moments) {
        cli_error(PREFIX, "--moments", "out of memory; expected a shorter list");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (cli_parse_double(items[i], &o->moments[i]) != 0) {
            cli_bad_value(PREFIX, "--moments", items[i], EXPECT_MOMENTS);
            return -1;
        }
        /* Column names must be unique keys in JSON. */
        for (size_t j = 0; j < i; j++) {
            if (strcmp(items[j], items[i]) == 0) {
                cli_bad_value(PREFIX, "--moments", value, "distinct values (each names a column)");
                return -1;
            }
        }
    }
    return 0;
}


/* Read the arguments; 1 = done (help printed), 0 = go on, -1 = error. */
static int parse_args(theory_opts *o, int argc, char **argv)
{
    static const cli_option_spec *const sets[] = {cli_model_option_specs, theory_specs, NULL};
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
                cli_parse_generations(PREFIX, name, value, EXPECT_AT, THEORY_AT_MAX, 0, &o->at,
                                      &o->nat) != 0)
                return -1;
        } else if (strcmp(name, "--moments") == 0) {
            if (cli_once(PREFIX, &o->have_moments, name) != 0 || parse_moments(o, value) != 0)
                return -1;
        } else if (strcmp(name, "--quantiles") == 0) {
            if (cli_once(PREFIX, &o->have_quantiles, name) != 0 ||
                cli_parse_probabilities(PREFIX, name, value, EXPECT_QUANTILES, SIZE_MAX,
                                        &o->quantile_text, &o->quantiles, &o->nquantiles) != 0)
                return -1;
        } else if (strcmp(name, "--eps") == 0) {
            if (cli_once(PREFIX, &o->have_eps, name) != 0) return -1;
            if (cli_parse_double(value, &o->eps) != 0 || !(o->eps > 0.0 && o->eps < 1.0)) {
                cli_bad_value(PREFIX, name, value, EXPECT_EPS);
                return -1;
            }
        } else if (strcmp(name, "--collapse-time") == 0) {
            if (cli_once(PREFIX, &o->have_collapse_time, name) != 0) return -1;
            o->collapse_time = 1;
        } else if (strcmp(name, "--log") == 0) {
            if (cli_once(PREFIX, &o->have_log, name) != 0) return -1;
            o->log = 1;
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
    if (!o->have_at && cli_parse_generations(PREFIX, "--at", DEFAULT_AT, EXPECT_AT, THEORY_AT_MAX,
                                             0, &o->at, &o->nat) != 0)
        return -1;
    if (cli_model_finish(&o->model, PREFIX) != 0) return -1;
    return 0;
}

/* Checks that need the whole model: moment domains and, for POLY
 * schedules, that every size up to the largest n stays below 2^53. */
static int check_domains(const theory_opts *o)
{
    const refit_model *m = &o->model.model;
    if (m->regime != REFIT_REGIME_REPLACE) {
        /* sigma_n^2 is a product of independent factors in replace only. */
        const char *opt = o->collapse_time    ? "--collapse-time"
                          : o->have_quantiles ? "--quantiles"
                          : o->have_eps       ? "--eps"
                                              : NULL;
        if (opt) {
            cli_error(PREFIX, opt, "the distribution of sigma_n^2 is not available under regime "
                      "%s; expected --regime replace", cli_regime_name(m->regime));
            return -1;
        }
    }
    if (o->collapse_time) {
        if (!o->have_eps) {
            cli_error(PREFIX, "--collapse-time", "needs the threshold; expected --eps E with "
                      "0 < E < 1");
            return -1;
        }
        if (o->have_moments || o->have_quantiles) {
            cli_error(PREFIX, "--collapse-time", "cannot be combined with %s; expected "
                      "--collapse-time --eps E [--at ...] [--log] [--format ...] alone",
                      o->have_moments ? "--moments" : "--quantiles");
            return -1;
        }
        if (!refit_schedule_is_constant(&m->schedule)) {
            char *text = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&text, &len);
            if (f) {
                cli_schedule_text(f, &m->schedule, o->model.list_file);
                fclose(f);
            }
            cli_error(PREFIX, "--collapse-time", "needs a constant schedule, got --schedule %s; "
                      "expected --M M or --schedule const:M", text ? text : "(non-constant)");
            free(text);
            return -1;
        }
    }
    if (o->nmoments > 0 && m->regime != REFIT_REGIME_REPLACE) {
        cli_error(PREFIX, "--moments", "E[(sigma_n^2)^r] has no closed form under regime %s; "
                  "expected --regime replace", cli_regime_name(m->regime));
        return -1;
    }
    if (o->nmoments > 0) {
        /* E[q^r] is finite iff r > -(M-1)/2 for every generation's M. */
        double Mmin = cli_model_min_size(&o->model), bound = -(Mmin - 1.0) / 2.0;
        for (size_t i = 0; i < o->nmoments; i++) {
            if (!(o->moments[i] > bound)) {
                char expected[160], b[40], s[40];
                snprintf(expected, sizeof expected, "r > %s = -(M_min - 1)/2 for the smallest "
                         "sample size M_min = %s", cli_format_double(b, sizeof b, bound),
                         cli_format_double(s, sizeof s, Mmin));
                cli_bad_value(PREFIX, "--moments", o->moment_text[i], expected);
                return -1;
            }
        }
    }
    if (m->schedule.kind == REFIT_SCHEDULE_POLY) {
        for (size_t i = 0; i < o->nat; i++) {
            uint64_t n = o->at[i], lo = 1, hi = n;
            double size;
            /* Generation n is fitted from M_0 .. M_{n-1}; sizes never decrease. */
            if (n == 0 || refit_schedule_size(&m->schedule, n - 1, &size) == REFIT_OK) continue;
            /* Find the largest valid n: size(lo - 1) is valid, size(hi - 1) is not. */
            while (hi - lo > 1) {
                uint64_t mid = lo + (hi - lo) / 2;
                if (refit_schedule_size(&m->schedule, mid - 1, &size) == REFIT_OK)
                    lo = mid;
                else
                    hi = mid;
            }
            cli_error(PREFIX, "--at", "got '%" PRIu64 "', but the poly schedule's sample size "
                      "M_%" PRIu64 " exceeds " CLI_SIZE_MAX_TEXT "; expected n <= %" PRIu64
                      " for this schedule", n, n - 1, lo);
            return -1;
        }
    }
    return 0;
}

/* Append one column named "<ln_ if use_log><base><suffix>"; 0 or -1. */
static int add_column(column *cols, char **names, size_t *n, column c, const char *base,
                      const char *suffix)
{
    size_t len = strlen(base) + strlen(suffix) + 4;
    names[*n] = malloc(len);
    if (!names[*n]) return -1;
    snprintf(names[*n], len, "%s%s%s", c.use_log ? "ln_" : "", base, suffix);
    cols[*n] = c;
    (*n)++;
    return 0;
}

/* The columns in output order.  Default view: quantities in enum order,
 * var_median (replace), the --quantiles, collapse_prob (--eps), then the
 * moments.  --collapse-time view: tau_cdf_lower, and in csv (which has no
 * summary) tau_mean_lower and tau_mean_upper. */
static int build_columns(const theory_opts *o, column **cols_out, char **names_out[],
                         size_t *count_out)
{
    const refit_model *m = &o->model.model;
    size_t cap = (size_t)REFIT_Q_COUNT + o->nmoments + o->nquantiles + 4, n = 0;
    column *cols = calloc(cap, sizeof *cols);
    char **names = calloc(cap, sizeof *names);
    column c;
    if (!cols || !names) goto fail;
    if (o->collapse_time) {
        memset(&c, 0, sizeof c);
        c.kind = COL_CDF;
        c.r = o->eps;
        c.use_log = o->log;
        if (add_column(cols, names, &n, c, "tau_cdf_lower", "") != 0) goto fail;
        if (o->format == CLI_FORMAT_CSV) {
            c.use_log = 0;
            c.kind = COL_TAU_LOWER;
            if (add_column(cols, names, &n, c, "tau_mean_lower", "") != 0) goto fail;
            c.kind = COL_TAU_UPPER;
            if (add_column(cols, names, &n, c, "tau_mean_upper", "") != 0) goto fail;
        }
        goto done;
    }
    for (int q = 0; q < (int)REFIT_Q_COUNT; q++) {
        refit_quantity quantity = (refit_quantity)q;
        if (!refit_theory_has(m, quantity)) continue;
        memset(&c, 0, sizeof c);
        c.kind = COL_QUANTITY;
        c.quantity = quantity;
        c.use_log = o->log && !refit_quantity_signed(quantity);
        if (add_column(cols, names, &n, c, refit_quantity_name(quantity), "") != 0) goto fail;
    }
    /* The distribution exists in the replace regime only (check_domains
     * refused explicit requests elsewhere): the default column is omitted. */
    if (m->regime == REFIT_REGIME_REPLACE) {
        memset(&c, 0, sizeof c);
        c.kind = COL_QUANTILE;
        c.r = 0.5;
        c.use_log = o->log;
        /* Poly schedules make every CGF evaluation O(n): the median is then
         * computed only on request (--quantiles 0.5), not by default. */
        if (m->schedule.kind != REFIT_SCHEDULE_POLY &&
            add_column(cols, names, &n, c, "var_median", "") != 0)
            goto fail;
        for (size_t i = 0; i < o->nquantiles; i++) {
            c.r = o->quantiles[i];
            if (add_column(cols, names, &n, c, "var_q", o->quantile_text[i]) != 0) goto fail;
        }
        if (o->have_eps) {
            c.kind = COL_CDF;
            c.r = o->eps;
            if (add_column(cols, names, &n, c, "collapse_prob", "") != 0) goto fail;
        }
    }
    for (size_t i = 0; i < o->nmoments; i++) {
        memset(&c, 0, sizeof c);
        c.kind = COL_MOMENT;
        c.r = o->moments[i];
        c.use_log = o->log;
        if (add_column(cols, names, &n, c, "var_pow", o->moment_text[i]) != 0) goto fail;
    }
done:
    *cols_out = cols;
    *names_out = names;
    *count_out = n;
    return 0;
fail:
    free(cols);
    cli_free_list(names, n);
    return -1;
}

/* sigma^2 e^x, or its logarithm: the value of sigma_n^2 at L_n = x.
 * REFIT_ERANGE where the plain value is not a normal double. */
static refit_status scale_variance(const refit_model *m, double x, int use_log, double *out)
{
    double s2 = m->sigma * m->sigma, e = exp(x), v;
    if (use_log) {
        /* 2 ln sigma, not ln(sigma^2): sigma^2 may overflow. */
        *out = 2.0 * log(m->sigma) + x;
        return REFIT_OK;
    }
    v = s2 * e;
    /* One factor outside the normal range: the product may still fit. */
    if (!(isfinite(s2) && s2 >= DBL_MIN && isfinite(e) && e >= DBL_MIN))
        v = exp(2.0 * log(m->sigma) + x);
    if (!(isfinite(v) && v >= DBL_MIN)) {
        *out = NAN;
        return REFIT_ERANGE;
    }
    *out = v;
    return REFIT_OK;
}

/* P(L_n <= ln eps), or its logarithm.  n = 0 is the truth: L_0 = 0 > ln eps.
 * A probability below the normal range is out of range (it is never 0). */
static refit_status collapse_cdf(const refit_model *m, uint64_t n, double eps, int use_log,
                                 double *out)
{
    refit_status st;
    if (n == 0) {
        *out = use_log ? -INFINITY : 0.0;
        return REFIT_OK;
    }
    if (use_log) return refit_dist_log_cdf(m, n, log(eps), out);
    st = refit_dist_cdf(m, n, log(eps), out);
    if (st == REFIT_OK && !(*out >= DBL_MIN)) {
        *out = NAN;
        return REFIT_ERANGE;
    }
    return st;
}

/* One cell; the quantities come from the row computed once per n. */
static refit_status compute_cell(const theory_opts *o, uint64_t n, const column *c,
                                 const double *row, const refit_status *row_status, double *out)
{
    const refit_model *m = &o->model.model;
    refit_status st;
    double x;
    switch (c->kind) {
    case COL_QUANTITY:
        *out = row[c->quantity];
        return row_status[c->quantity];
    case COL_MOMENT:
        return c->use_log ? refit_theory_var_moment_log(m, n, c->r, out)
                          : refit_theory_var_moment(m, n, c->r, out);
    case COL_QUANTILE:
        /* n = 0: sigma_0^2 = sigma^2 surely, every quantile is sigma^2. */
        x = 0.0;
        st = n == 0 ? REFIT_OK : refit_dist_quantile(m, n, c->r, &x);
        if (st != REFIT_OK) {
            *out = NAN;
            return st;
        }
        return scale_variance(m, x, c->use_log, out);
    case COL_CDF: return collapse_cdf(m, n, c->r, c->use_log, out);
    case COL_TAU_LOWER: *out = o->tau_lower; return REFIT_OK;
    case COL_TAU_UPPER: *out = o->tau_upper; return REFIT_OK;
    }
    *out = NAN;
    return REFIT_EINVAL;
}

/* Fill the table; 0, or -1 after printing the library's complaint. */
static int compute_table(const theory_opts *o, const column *cols, cli_table *t)
{
    const refit_model *m = &o->model.model;
    for (size_t i = 0; i < t->nrows; i++) {
        double row[REFIT_Q_COUNT] = {0};
        refit_status row_status[REFIT_Q_COUNT] = {REFIT_OK};
        /* A failure of the whole row is also in every cell's status below;
         * the collapse-time view needs no row. */
        if (!o->collapse_time) {
            refit_status row_st = refit_theory_row(m, o->at[i], o->log, row, row_status);
            (void)row_st;
        }
        t->n[i] = o->at[i];
        for (size_t j = 0; j < t->ncols; j++) {
            size_t k = i * t->ncols + j;
            double v = NAN;
            refit_status st = compute_cell(o, o->at[i], &cols[j], row, row_status, &v);
            if (st == REFIT_OK) {
                t->values[k] = v;
                t->cells[k] = CLI_CELL_VALUE;
            } else if (st == REFIT_ERANGE) {
                t->values[k] = NAN;
                t->cells[k] = CLI_CELL_OUT_OF_RANGE;
            } else {
                cli_error(PREFIX, "--at", "%s at n = %" PRIu64 " failed: %s; expected n and the "
                          "model inside the closed form's domain", t->names[j], o->at[i],
                          refit_strerror(st));
                return -1;
            }
        }
    }
    return 0;
}

/* --collapse-time: the bounds on E tau_eps and the drift, before the table
 * (csv prints the bounds as columns); 0 or -1 (printed). */
static int collapse_bounds(theory_opts *o)
{
    const refit_model *m = &o->model.model;
    double M;
    refit_status st = refit_dist_collapse_time(m, o->eps, &o->tau_lower, &o->tau_upper);
    if (st == REFIT_OK) st = refit_schedule_size(&m->schedule, 0, &M);
    if (st == REFIT_OK) st = refit_theory_factor_log_cumulant(M, m->estimator, 1, &o->drift);
    if (st != REFIT_OK) {
        cli_error(PREFIX, "--collapse-time", "the bounds on E tau_eps failed: %s; expected a "
                  "model inside their domain", refit_strerror(st));
        return -1;
    }
    return 0;
}

/* The collapse-time summary: table lines and the JSON object. */
static void collapse_summary(const theory_opts *o, FILE *text, FILE *json)
{
    char a[40], b[40], c[40];
    fprintf(text, "collapse time tau_eps = min{n : sigma_n^2 <= eps sigma^2}, eps %s, drift "
            "E ln q = %s\n", cli_format_short(a, sizeof a, o->eps),
            cli_format_double(b, sizeof b, o->drift));
    fprintf(text, "E tau_eps: tau_mean_lower %s (Wald), tau_mean_upper %s (Lorden)\n",
            cli_format_double(a, sizeof a, o->tau_lower),
            cli_format_double(c, sizeof c, o->tau_upper));
    fputs("{\"eps\": ", json);
    cli_json_number(json, o->eps);
    fputs(", \"drift\": ", json);
    cli_json_number(json, o->drift);
    fputs(", \"tau_mean_lower\": ", json);
    cli_json_number(json, o->tau_lower);
    fputs(", \"tau_mean_upper\": ", json);
    cli_json_number(json, o->tau_upper);
    fputc('}', json);
}

/* The mix regime's long run: the threshold lambda* (for M_0) and, for a
 * constant schedule with lambda > lambda*, the fixed point.  Renders the
 * table lines and the JSON object; 0 or -1 (printed). */
static int mix_summary(const theory_opts *o, FILE *text, FILE *json)
{
    const refit_model *m = &o->model.model;
    double M0, lstar, var_mean = NAN, mean_mse = NAN;
    char a[40], b[40], c[40], d[40];
    refit_status st = refit_schedule_size(&m->schedule, 0, &M0);
    if (st == REFIT_OK) st = refit_theory_mix_lambda_star(M0, m->estimator, &lstar);
    if (st != REFIT_OK) {
        cli_error(PREFIX, "--regime", "lambda_star failed: %s; expected a model inside the "
                  "closed form's domain", refit_strerror(st));
        return -1;
    }
    fprintf(text, "mix summary: lambda %s, lambda_star %s (for M_0 = %s; E sigma_n^2 and "
            "E (mu_n - mu)^2 converge iff lambda > lambda_star)\n",
            cli_format_short(a, sizeof a, m->lambda), cli_format_double(b, sizeof b, lstar),
            cli_format_short(c, sizeof c, M0));
    fprintf(json, "{\"lambda\": ");
    cli_json_number(json, m->lambda);
    fprintf(json, ", \"lambda_star\": ");
    cli_json_number(json, lstar);
    fprintf(json, ", \"M0\": ");
    cli_json_number(json, M0);
    if (!refit_schedule_is_constant(&m->schedule)) {
        fprintf(text, "fixed point: not computed (the schedule is not constant)\n");
        fprintf(json, ", \"converges\": null, \"fixed_point\": null, "
                      "\"note\": \"fixed point not computed: the schedule is not constant\"}");
        return 0;
    }
    st = refit_theory_mix_fixed_point(m, &var_mean, &mean_mse);
    if (st == REFIT_EDOM) {
        fprintf(text, "fixed point: none, the recursion diverges (lambda <= lambda_star)\n");
        fprintf(json, ", \"converges\": false, \"fixed_point\": null}");
        return 0;
    }
    if (st != REFIT_OK) {
        cli_error(PREFIX, "--regime", "fixed point failed: %s; expected a model inside the "
                  "closed form's domain", refit_strerror(st));
        return -1;
    }
    /* marginal_var = var_mean + mean_mse, as for every n. */
    fprintf(text, "fixed point (n -> infinity): var_mean %s, mean_mse %s, marginal_var %s\n",
            cli_format_double(a, sizeof a, var_mean), cli_format_double(b, sizeof b, mean_mse),
            cli_format_double(d, sizeof d, var_mean + mean_mse));
    fprintf(json, ", \"converges\": true, \"fixed_point\": {\"var_mean\": ");
    cli_json_number(json, var_mean);
    fprintf(json, ", \"mean_mse\": ");
    cli_json_number(json, mean_mse);
    fprintf(json, ", \"marginal_var\": ");
    cli_json_number(json, var_mean + mean_mse);
    fprintf(json, "}}");
    return 0;
}

static void render_params(const theory_opts *o, FILE *f)
{
    fputc('{', f);
    cli_model_json_members(f, &o->model);
    fputs(", \"at\": [", f);
    for (size_t i = 0; i < o->nat; i++) fprintf(f, "%s%" PRIu64, i ? ", " : "", o->at[i]);
    fputs("], \"moments\": [", f);
    for (size_t i = 0; i < o->nmoments; i++) {
        if (i) fputs(", ", f);
        cli_json_number(f, o->moments[i]);
    }
    fputs("], \"quantiles\": [", f);
    for (size_t i = 0; i < o->nquantiles; i++) {
        if (i) fputs(", ", f);
        cli_json_number(f, o->quantiles[i]);
    }
    fputs("], \"eps\": ", f);
    if (o->have_eps)
        cli_json_number(f, o->eps);
    else
        fputs("null", f);
    fprintf(f, ", \"collapse_time\": %s, \"log\": %s}", o->collapse_time ? "true" : "false",
            o->log ? "true" : "false");
}


int cli_cmd_theory(int argc, char **argv)
{
    theory_opts o;
    column *cols = NULL;
    char **names = NULL;
    size_t ncols = 0;
    cli_table table;
    char *desc = NULL, *params = NULL, *sum_text = NULL, *sum_json = NULL;
    size_t len[4]; /* open_memstream's sizes, unused: the strings end in NUL */
    FILE *f_desc = NULL, *f_params = NULL, *f_text = NULL, *f_json = NULL;
    int rc = CLI_EXIT_USAGE, parsed;

    memset(&o, 0, sizeof o);
    memset(&table, 0, sizeof table);
    cli_model_opts_init(&o.model);
    parsed = parse_args(&o, argc, argv);
    if (parsed == 1) {
        fputs(usage, stdout);
        rc = (fflush(stdout) == 0 && !ferror(stdout)) ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        goto done;
    }
    if (parsed != 0 || check_domains(&o) != 0) goto done;
    if (o.collapse_time && collapse_bounds(&o) != 0) goto done;

    if (build_columns(&o, &cols, &names, &ncols) != 0 ||
        cli_table_init(&table, ncols, (const char *const *)names, o.nat) != 0) {
        cli_error(PREFIX, NULL, "out of memory");
        rc = CLI_EXIT_FAILURE;
        goto done;
    }
    if (compute_table(&o, cols, &table) != 0) goto done;

    /* Render the strings around the table, still before printing anything. */
    f_desc = open_memstream(&desc, &len[0]);
    f_params = open_memstream(&params, &len[1]);
    if (!f_desc || !f_params) goto oom;
    fputs("model: ", f_desc);
    cli_model_describe(f_desc, &o.model);
    if (o.have_eps && !o.collapse_time) {
        char e[40];
        fprintf(f_desc, "; eps %s", cli_format_short(e, sizeof e, o.eps));
    }
    render_params(&o, f_params);
    if (o.model.model.regime == REFIT_REGIME_MIX || o.collapse_time) {
        f_text = open_memstream(&sum_text, &len[2]);
        f_json = open_memstream(&sum_json, &len[3]);
        if (!f_text || !f_json) goto oom;
        if (o.collapse_time)
            collapse_summary(&o, f_text, f_json);
        else if (mix_summary(&o, f_text, f_json) != 0)
            goto done;
    }
    {
        /* Close all four, even if one fails. */
        int bad = cli_close_stream(&f_desc);
        bad |= cli_close_stream(&f_params);
        bad |= cli_close_stream(&f_text);
        bad |= cli_close_stream(&f_json);
        if (bad) goto oom;
    }

    {
        cli_report report = {"theory", desc, params, &table, sum_text, sum_json};
        if (cli_print_report(stdout, &report, o.format) != 0) {
            fprintf(stderr, PREFIX ": error writing to standard output\n");
            rc = CLI_EXIT_FAILURE;
            goto done;
        }
    }
    if (cli_table_has_out_of_range(&table))
        fprintf(stderr, o.log ? "refit: note: some values are outside the double range\n"
                              : "refit: note: some values are outside the double range; "
                                "rerun with --log\n");
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
    theory_opts_free(&o);
    return rc;
}
