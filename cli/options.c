/* refit CLI: strict parsing and the shared model options. */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

/* ---- messages ------------------------------------------------------------ */

const char *cli_printable(char *buf, size_t size, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* room for one escaped byte, "..." and the terminator */
        if (used + 4 + 3 + 1 > size) {
            memcpy(buf + used, "...", 3);
            used += 3;
            break;
        }
        if (*p >= 0x20 && *p < 0x7f) {
            buf[used++] = (char)*p;
        } else {
            buf[used++] = '\\';
            buf[used++] = 'x';
            buf[used++] = hex[*p >> 4];
            buf[used++] = hex[*p & 15];
        }
    }
    buf[used] = '\0';
    return buf;
}

void cli_error(const char *prefix, const char *option, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Newlines would break the one-line contract; messages never hold any
     * user bytes unescaped, but be safe. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    if (option)
        fprintf(stderr, "%s: %s: %s\n", prefix, option, msg);
    else
        fprintf(stderr, "%s: %s\n", prefix, msg);
}

void cli_bad_value(const char *prefix, const char *option, const char *value,
                   const char *expected)
{
    char buf[96];
    cli_error(prefix, option, "got '%s'; expected %s", cli_printable(buf, sizeof buf, value),
              expected);
}

/* ---- scalars --------------------------------------------------------------- */

int cli_parse_double(const char *s, double *out)
{
    char *end;
    double x;
    if (!s || !*s) return -1;
    /* strtod also takes blanks, hex, inf and nan: allow plain decimals only. */
    if (s[strspn(s, "0123456789.eE+-")] != '\0') return -1;
    errno = 0;
    x = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(x)) return -1;
    *out = x;
    return 0;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long x;
    /* strtoull accepts blanks, signs (and wraps "-1"): digits only. */
    if (!s || !*s || s[strspn(s, "0123456789")] != '\0') return -1;
    errno = 0;
    x = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE) return -1;
    *out = (uint64_t)x;
    return 0;
}

int cli_parse_size(const char *s, double *out)
{
    uint64_t x;
    if (cli_parse_u64(s, &x) != 0) return -1;
    if (x < 2 || x > ((uint64_t)1 << 53)) return -1;
    *out = (double)x; /* exact: x <= 2^53 */
    return 0;
}

void cli_free_list(char **items, size_t count)
{
    if (!items) return;
    for (size_t i = 0; i < count; i++) free(items[i]);
    free(items);
}

int cli_split_list(const char *s, char ***items, size_t *count)
{
    size_t n = 1, k = 0;
    char **v;
    const char *p = s;
    *items = NULL;
    *count = 0;
    for (const char *c = s; *c; c++)
        if (*c == ',') n++;
    v = calloc(n, sizeof *v);
    if (!v) return -1;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (len == 0) {
            cli_free_list(v, k);
            return -1;
        }
        v[k] = strndup(p, len);
        if (!v[k]) {
            cli_free_list(v, k);
            return -1;
        }
        k++;
        if (p[len] == '\0') break;
        p += len + 1;
    }
    *items = v;
    *count = k;
    return 0;
}

/* ---- the option loop ------------------------------------------------------- */

static const cli_option_spec *find_spec(const cli_option_spec *const *sets, const char *arg,
                                        size_t len)
{
    for (; *sets; sets++)
        for (const cli_option_spec *s = *sets; s->name; s++)
            if (strlen(s->name) == len && strncmp(s->name, arg, len) == 0) return s;
    return NULL;
}

int cli_next_option(cli_args *args, const cli_option_spec **spec, const char **value)
{
    const char *arg, *eq;
    size_t len;
    if (args->next >= args->argc) return 0;
    arg = args->argv[args->next++];
    if (strncmp(arg, "--", 2) != 0 && strcmp(arg, "-h") != 0) {
        char buf[96];
        cli_error(args->prefix, cli_printable(buf, sizeof buf, arg),
                  "unexpected argument; expected options only (see %s --help)", args->prefix);
        return -1;
    }
    eq = strchr(arg, '=');
    len = eq ? (size_t)(eq - arg) : strlen(arg);
    if (strcmp(arg, "-h") == 0) {
        arg = "--help";
        len = 6;
    }
    *spec = find_spec(args->spec_sets, arg, len);
    if (*spec) {
        const cli_option_spec *sp = *spec;
        if (!sp->takes_value) {
            if (eq) {
                char buf[96];
                cli_error(args->prefix, sp->name, "takes no value, got '%s'; expected %s alone",
                          cli_printable(buf, sizeof buf, eq + 1), sp->name);
                return -1;
            }
            *value = NULL;
            return 1;
        }
        if (eq) {
            *value = eq + 1;
        } else if (args->next < args->argc) {
            *value = args->argv[args->next++];
        } else {
            cli_error(args->prefix, sp->name, "missing value; expected %s", sp->expected);
            return -1;
        }
        return 1;
    }
    {
        char buf[96];
        size_t cut = len < sizeof args->name_buf ? len : sizeof args->name_buf - 1;
        memcpy(args->name_buf, arg, cut);
        args->name_buf[cut] = '\0';
        cli_error(args->prefix, cli_printable(buf, sizeof buf, args->name_buf),
                  "unknown option; expected one of the options in '%s --help'", args->prefix);
    }
    return -1;
}

/* ---- model options --------------------------------------------------------- */

#define EXPECT_SCHEDULE                                                                          \
    "const:M (M " CLI_EXPECT_SIZE "), poly:M0,ALPHA (round(M0) from 2 to " CLI_SIZE_MAX_TEXT   \
    ", ALPHA >= 0) or list:FILE"
#define EXPECT_POLY                                                                              \
    "poly:M0,ALPHA with round(M0) from 2 to " CLI_SIZE_MAX_TEXT " and a finite ALPHA >= 0"
#define EXPECT_REGIME "replace, accumulate or mix:LAMBDA with 0 < LAMBDA <= 1"

const cli_option_spec cli_model_option_specs[] = {
    {"--M", 1, CLI_EXPECT_SIZE},
    {"--schedule", 1, EXPECT_SCHEDULE},
    {"--estimator", 1, "unbiased or mle"},
    {"--regime", 1, EXPECT_REGIME},
    {"--mu", 1, "a finite number"},
    {"--sigma", 1, "a finite number > 0"},
    {NULL, 0, NULL},
};

const char *cli_estimator_name(refit_estimator e)
{
    return e == REFIT_ESTIMATOR_MLE ? "mle" : "unbiased";
}

const char *cli_regime_name(refit_regime r)
{
    switch (r) {
    case REFIT_REGIME_REPLACE: return "replace";
    case REFIT_REGIME_ACCUMULATE: return "accumulate";
    case REFIT_REGIME_MIX: return "mix";
    }
    return "unknown";
}

void cli_model_opts_init(cli_model_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->model = refit_model_default();
}

void cli_model_opts_free(cli_model_opts *opts)
{
    free(opts->list_file);
    free(opts->sizes);
    opts->list_file = NULL;
    opts->sizes = NULL;
    opts->count = 0;
}

int cli_is_model_option(const char *name)
{
    for (const cli_option_spec *s = cli_model_option_specs; s->name; s++)
        if (strcmp(s->name, name) == 0) return 1;
    return 0;
}

/* Strip a '#' comment and surrounding blanks in place; returns the start. */
static char *trim_line(char *line)
{
    char *hash = strchr(line, '#'), *end;
    if (hash) *hash = '\0';
    while (*line == ' ' || *line == '\t') line++;
    end = line + strlen(line);
    while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
                          end[-1] == '\r'))
        *--end = '\0';
    return line;
}

char *cli_trim_line(char *line)
{
    return trim_line(line);
}

/* Read list:FILE: one whole number per line, blank lines and # comments. */
static int read_list_file(cli_model_opts *opts, const char *prefix, const char *path)
{
    char pbuf[96];
    FILE *f;
    char *line = NULL;
    size_t cap = 0, used = 0, lineno = 0, room = 0;
    double *sizes = NULL;
    int rc = -1;

    cli_printable(pbuf, sizeof pbuf, path);
    f = fopen(path, "r");
    if (!f) {
        cli_error(prefix, "--schedule", "cannot read list file '%s': %s; expected a readable file "
                  "with one whole number from 2 to " CLI_SIZE_MAX_TEXT " per line",
                  pbuf, strerror(errno));
        return -1;
    }
    for (;;) {
        char *s;
        double M;
        errno = 0;
        if (getline(&line, &cap, f) < 0) {
            if (ferror(f)) {
                cli_error(prefix, "--schedule", "cannot read list file '%s': %s; expected a "
                          "readable file with one whole number from 2 to " CLI_SIZE_MAX_TEXT
                          " per line", pbuf, strerror(errno ? errno : EIO));
                goto done;
            }
            break;
        }
        lineno++;
        s = trim_line(line);
        if (*s == '\0') continue;
        if (cli_parse_size(s, &M) != 0) {
            char vbuf[64];
            cli_error(prefix, "--schedule", "list file '%s' line %zu: got '%s'; expected one whole "
                      "number from 2 to " CLI_SIZE_MAX_TEXT " per line (blank lines and # "
                      "comments allowed)", pbuf, lineno, cli_printable(vbuf, sizeof vbuf, s));
            goto done;
        }
        if (used == room) {
            size_t nroom = room ? 2 * room : 16;
            double *p = realloc(sizes, nroom * sizeof *sizes);
            if (!p) {
                cli_error(prefix, "--schedule", "out of memory reading '%s'; expected a smaller "
                          "list", pbuf);
                goto done;
            }
            sizes = p;
            room = nroom;
        }
        sizes[used++] = M;
    }
    if (used == 0) {
        cli_error(prefix, "--schedule", "list file '%s' holds no sample size; expected one whole "
                  "number from 2 to " CLI_SIZE_MAX_TEXT " per line", pbuf);
        goto done;
    }
    opts->list_file = strdup(path);
    if (!opts->list_file) {
        cli_error(prefix, "--schedule", "out of memory; expected a smaller list");
        goto done;
    }
    opts->sizes = sizes;
    opts->count = used;
    sizes = NULL;
    rc = 0;
done:
    free(line);
    free(sizes);
    fclose(f);
    return rc;
}

static int parse_schedule(cli_model_opts *opts, const char *prefix, const char *value)
{
    refit_schedule *s = &opts->model.schedule;
    if (strncmp(value, "const:", 6) == 0) {
        double M;
        if (cli_parse_size(value + 6, &M) != 0) {
            cli_bad_value(prefix, "--schedule", value, "const:M with M " CLI_EXPECT_SIZE);
            return -1;
        }
        *s = refit_schedule_const(M);
        return 0;
    }
    if (strncmp(value, "poly:", 5) == 0) {
        char **items;
        size_t n;
        double M0 = NAN, alpha = NAN; /* set by the parses that the short-circuit reaches */
        int bad;
        if (cli_split_list(value + 5, &items, &n) != 0) {
            cli_bad_value(prefix, "--schedule", value, EXPECT_POLY);
            return -1;
        }
        bad = n != 2 || cli_parse_double(items[0], &M0) != 0 ||
              cli_parse_double(items[1], &alpha) != 0 || !(alpha >= 0.0) ||
              !(round(M0) >= 2.0) || !(round(M0) <= REFIT_SIZE_MAX);
        cli_free_list(items, n);
        if (bad) {
            cli_bad_value(prefix, "--schedule", value, EXPECT_POLY);
            return -1;
        }
        s->kind = REFIT_SCHEDULE_POLY;
        s->M = M0;
        s->alpha = alpha;
        s->sizes = NULL;
        s->count = 0;
        return 0;
    }
    if (strncmp(value, "list:", 5) == 0) {
        if (value[5] == '\0') {
            cli_bad_value(prefix, "--schedule", value, "list:FILE with a file name");
            return -1;
        }
        if (read_list_file(opts, prefix, value + 5) != 0) return -1;
        s->kind = REFIT_SCHEDULE_LIST;
        s->M = opts->sizes[0];
        s->alpha = 0.0;
        s->sizes = opts->sizes;
        s->count = opts->count;
        return 0;
    }
    cli_bad_value(prefix, "--schedule", value, EXPECT_SCHEDULE);
    return -1;
}

static int parse_regime(cli_model_opts *opts, const char *prefix, const char *value)
{
    if (strcmp(value, "replace") == 0) {
        opts->model.regime = REFIT_REGIME_REPLACE;
    } else if (strcmp(value, "accumulate") == 0) {
        opts->model.regime = REFIT_REGIME_ACCUMULATE;
    } else if (strncmp(value, "mix:", 4) == 0) {
        double lambda;
        if (cli_parse_double(value + 4, &lambda) != 0 || !(lambda > 0.0 && lambda <= 1.0)) {
            cli_bad_value(prefix, "--regime", value, "mix:LAMBDA with 0 < LAMBDA <= 1");
            return -1;
        }
        opts->model.regime = REFIT_REGIME_MIX;
        opts->model.lambda = lambda;
    } else {
        cli_bad_value(prefix, "--regime", value, EXPECT_REGIME);
        return -1;
    }
    return 0;
}

static int seen_twice(int *flag, const char *prefix, const char *name)
{
    if (*flag) {
        cli_error(prefix, name, "given more than once; expected it at most once");
        return 1;
    }
    *flag = 1;
    return 0;
}

int cli_model_option(cli_model_opts *opts, const char *prefix, const char *name,
                     const char *value)
{
    if (strcmp(name, "--M") == 0) {
        double M;
        if (seen_twice(&opts->have_M, prefix, name)) return -1;
        if (cli_parse_size(value, &M) != 0) {
            cli_bad_value(prefix, name, value, CLI_EXPECT_SIZE);
            return -1;
        }
        opts->model.schedule = refit_schedule_const(M);
        return 0;
    }
    if (strcmp(name, "--schedule") == 0) {
        if (seen_twice(&opts->have_schedule, prefix, name)) return -1;
        return parse_schedule(opts, prefix, value);
    }
    if (strcmp(name, "--estimator") == 0) {
        if (seen_twice(&opts->have_estimator, prefix, name)) return -1;
        if (strcmp(value, "unbiased") == 0) {
            opts->model.estimator = REFIT_ESTIMATOR_UNBIASED;
        } else if (strcmp(value, "mle") == 0) {
            opts->model.estimator = REFIT_ESTIMATOR_MLE;
        } else {
            cli_bad_value(prefix, name, value, "unbiased or mle");
            return -1;
        }
        return 0;
    }
    if (strcmp(name, "--regime") == 0) {
        if (seen_twice(&opts->have_regime, prefix, name)) return -1;
        return parse_regime(opts, prefix, value);
    }
    if (strcmp(name, "--mu") == 0) {
        if (seen_twice(&opts->have_mu, prefix, name)) return -1;
        if (cli_parse_double(value, &opts->model.mu) != 0) {
            cli_bad_value(prefix, name, value, "a finite number");
            return -1;
        }
        return 0;
    }
    if (strcmp(name, "--sigma") == 0) {
        double sigma;
        if (seen_twice(&opts->have_sigma, prefix, name)) return -1;
        if (cli_parse_double(value, &sigma) != 0 || !(sigma > 0.0)) {
            cli_bad_value(prefix, name, value, "a finite number > 0");
            return -1;
        }
        opts->model.sigma = sigma;
        return 0;
    }
    cli_error(prefix, name, "not a model option; expected one of --M, --schedule, --estimator, "
              "--regime, --mu, --sigma");
    return -1;
}

void cli_schedule_text(FILE *f, const refit_schedule *s, const char *list_file)
{
    char a[40], b[40];
    switch (s->kind) {
    case REFIT_SCHEDULE_CONST:
        fprintf(f, "const:%s", cli_format_short(a, sizeof a, s->M));
        break;
    case REFIT_SCHEDULE_POLY:
        fprintf(f, "poly:%s,%s", cli_format_short(a, sizeof a, s->M),
                cli_format_short(b, sizeof b, s->alpha));
        break;
    case REFIT_SCHEDULE_LIST: {
        char pbuf[96];
        fprintf(f, "list:%s", cli_printable(pbuf, sizeof pbuf, list_file ? list_file : "?"));
        break;
    }
    }
}

int cli_model_finish(cli_model_opts *opts, const char *prefix)
{
    refit_status st;
    if (opts->have_M && opts->have_schedule) {
        cli_error(prefix, "--M", "cannot be combined with --schedule; expected either --M M or "
                  "--schedule const:M|poly:M0,ALPHA|list:FILE");
        return -1;
    }
    if (opts->model.regime == REFIT_REGIME_ACCUMULATE &&
        !refit_schedule_is_constant(&opts->model.schedule)) {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (m) {
            cli_schedule_text(m, &opts->model.schedule, opts->list_file);
            fclose(m);
        }
        cli_error(prefix, "--regime", "accumulate needs a constant schedule, got --schedule %s; "
                  "expected replace or mix:LAMBDA, or a constant schedule",
                  text ? text : "(non-constant)");
        free(text);
        return -1;
    }
    /* The parsers above enforce every domain; this is the library's word. */
    st = refit_model_validate(&opts->model);
    if (st != REFIT_OK) {
        cli_error(prefix, "--schedule", "the model is rejected: %s; expected the domains listed "
                  "in '%s --help'", refit_strerror(st), prefix);
        return -1;
    }
    return 0;
}

double cli_model_min_size(const cli_model_opts *opts)
{
    const refit_schedule *s = &opts->model.schedule;
    double m;
    switch (s->kind) {
    case REFIT_SCHEDULE_CONST: return s->M;
    case REFIT_SCHEDULE_POLY: return round(s->M);
    case REFIT_SCHEDULE_LIST:
        m = s->sizes[0];
        for (size_t i = 1; i < s->count; i++)
            if (s->sizes[i] < m) m = s->sizes[i];
        return m;
    }
    return s->M;
}

void cli_model_describe(FILE *f, const cli_model_opts *opts)
{
    const refit_model *m = &opts->model;
    const refit_schedule *s = &m->schedule;
    char a[40], b[40];
    fputs("schedule ", f);
    cli_schedule_text(f, s, opts->list_file);
    if (s->kind == REFIT_SCHEDULE_POLY) {
        fprintf(f, " (M_i = round(%s (i+1)^%s))", cli_format_short(a, sizeof a, s->M),
                cli_format_short(b, sizeof b, s->alpha));
    } else if (s->kind == REFIT_SCHEDULE_LIST) {
        /* Show a long list by its ends: the first sizes and the last, which repeats. */
        fprintf(f, " (sizes");
        for (size_t i = 0; i < s->count; i++) {
            if (s->count > 8 && i == 6) {
                fputs(" ...", f);
                i = s->count - 1;
            }
            fprintf(f, " %s", cli_format_short(a, sizeof a, s->sizes[i]));
        }
        fprintf(f, ", the last repeats)");
    }
    fprintf(f, ", estimator %s, regime %s", cli_estimator_name(m->estimator),
            cli_regime_name(m->regime));
    if (m->regime == REFIT_REGIME_MIX) fprintf(f, ":%s", cli_format_short(a, sizeof a, m->lambda));
    fprintf(f, ", mu %s, sigma %s", cli_format_short(a, sizeof a, m->mu),
            cli_format_short(b, sizeof b, m->sigma));
}

void cli_model_json_members(FILE *f, const cli_model_opts *opts)
{
    const refit_model *m = &opts->model;
    const refit_schedule *s = &m->schedule;
    fputs("\"schedule\": {\"kind\": ", f);
    switch (s->kind) {
    case REFIT_SCHEDULE_CONST:
        fputs("\"const\", \"M\": ", f);
        cli_json_number(f, s->M);
        break;
    case REFIT_SCHEDULE_POLY:
        fputs("\"poly\", \"M0\": ", f);
        cli_json_number(f, s->M);
        fputs(", \"alpha\": ", f);
        cli_json_number(f, s->alpha);
        break;
    case REFIT_SCHEDULE_LIST:
        fputs("\"list\", \"file\": ", f);
        cli_json_string(f, opts->list_file ? opts->list_file : "");
        fputs(", \"sizes\": [", f);
        for (size_t i = 0; i < s->count; i++) {
            if (i) fputs(", ", f);
            cli_json_number(f, s->sizes[i]);
        }
        fputc(']', f);
        break;
    }
    fprintf(f, "}, \"estimator\": \"%s\", \"regime\": \"%s\"", cli_estimator_name(m->estimator),
            cli_regime_name(m->regime));
    if (m->regime == REFIT_REGIME_MIX) {
        fputs(", \"lambda\": ", f);
        cli_json_number(f, m->lambda);
    }
    fputs(", \"mu\": ", f);
    cli_json_number(f, m->mu);
    fputs(", \"sigma\": ", f);
    cli_json_number(f, m->sigma);
}

int cli_once(const char *prefix, int *flag, const char *name)
{
    if (*flag) {
        cli_error(prefix, name, "given more than once; expected it at most once");
        return -1;
    }
    *flag = 1;
    return 0;
}

int cli_parse_generations(const char *prefix, const char *option, const char *value,
                          const char *expected, uint64_t max, int strictly_increasing,
                          uint64_t **at, size_t *count)
{
    char **items;
    size_t n;
    if (cli_split_list(value, &items, &n) != 0) {
        cli_bad_value(prefix, option, value, expected);
        return -1;
    }
    uint64_t *v = malloc(n * sizeof *v);
    if (!v) {
        cli_free_list(items, n);
        cli_error(prefix, option, "out of memory; expected a shorter list");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (cli_parse_u64(items[i], &v[i]) != 0 || v[i] > max) {
            cli_bad_value(prefix, option, items[i], expected);
            cli_free_list(items, n);
            free(v);
            return -1;
        }
        if (strictly_increasing && i > 0 && v[i] <= v[i - 1]) {
            char a[64], b[64];
            cli_error(prefix, option, "got '%s' after '%s'; expected %s",
                      cli_printable(a, sizeof a, items[i]),
                      cli_printable(b, sizeof b, items[i - 1]), expected);
            cli_free_list(items, n);
            free(v);
            return -1;
        }
    }
    cli_free_list(items, n);
    free(*at);
    *at = v;
    *count = n;
    return 0;
}

int cli_parse_probabilities(const char *prefix, const char *option, const char *value,
                            const char *expected, size_t max_count, char ***texts,
                            double **values, size_t *count)
{
    char **items;
    size_t n;
    if (cli_split_list(value, &items, &n) != 0) {
        cli_bad_value(prefix, option, value, expected);
        return -1;
    }
    if (n > max_count) {
        cli_error(prefix, option, "got %zu values; expected %s", n, expected);
        cli_free_list(items, n);
        return -1;
    }
    double *v = malloc(n * sizeof *v);
    if (!v) {
        cli_free_list(items, n);
        cli_error(prefix, option, "out of memory; expected a shorter list");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        double p;
        if (cli_parse_double(items[i], &p) != 0 || !(p > 0.0 && p < 1.0)) {
            cli_bad_value(prefix, option, items[i], expected);
            cli_free_list(items, n);
            free(v);
            return -1;
        }
        v[i] = p;
        /* Equal values would print the same numbers twice (and equal texts
         * the same JSON key twice). */
        for (size_t j = 0; j < i; j++) {
            if (v[j] == p) {
                cli_bad_value(prefix, option, value, "distinct values (each names a column)");
                cli_free_list(items, n);
                free(v);
                return -1;
            }
        }
    }
    *texts = items;
    *values = v;
    *count = n;
    return 0;
}

int cli_close_stream(FILE **f)
{
    int bad = *f && fclose(*f) != 0;
    *f = NULL;
    return bad;
}

int cli_select_isa(const char *prefix, refit_isa *isa)
{
    refit_status st = refit_isa_select(isa);
    if (st == REFIT_OK) return 0;
    const char *v = getenv("REFIT_ISA");
    char buf[64];
    cli_error(prefix, "REFIT_ISA", "got '%s': %s; expected scalar, avx2 or avx512 (one this "
              "CPU runs), or REFIT_ISA unset", cli_printable(buf, sizeof buf, v ? v : ""),
              st == REFIT_EDOM ? "this CPU cannot run it" : "not an instruction set");
    return -1;
}

int cli_parse_threads(const char *prefix, const char *option, const char *value, int *out)
{
    uint64_t t;
    if (cli_parse_u64(value, &t) != 0 || t < 1 || t > CLI_THREADS_MAX) {
        cli_bad_value(prefix, option, value, CLI_EXPECT_THREADS);
        return -1;
    }
    *out = (int)t;
    return 0;
}
