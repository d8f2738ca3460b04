/* refit CLI: the printers and the report folder of `refit verify`.
 *
 * Every double the reader may want to reuse is printed with %.17g; only the
 * score and its tolerance in the table and Markdown are rounded (%.4g), since
 * they are judgements, not values, and JSON keeps them in full.
 */
#include "verify_report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "options.h"
#include "output.h"

/* ---- shared helpers ----------------------------------------------------------- */

const char *cli_verify_level_name(refit_verify_level level)
{
    switch (level) {
    case REFIT_VERIFY_QUICK: return "quick";
    case REFIT_VERIFY_DEFAULT: return "default";
    case REFIT_VERIFY_FULL: return "full";
    }
    return "unknown";
}

static const char *kind_name(refit_verify_kind kind)
{
    switch (kind) {
    case REFIT_VERIFY_CERTIFY: return "certify";
    case REFIT_VERIFY_EXACT: return "exact";
    case REFIT_VERIFY_MONTE_CARLO: return "monte_carlo";
    case REFIT_VERIFY_MC_PROPERTY: return "mc_property";
    }
    return "unknown";
}

/* What the item's score is called, for people. */
static const char *score_name(refit_verify_kind kind)
{
    switch (kind) {
    case REFIT_VERIFY_CERTIFY: return "error";
    case REFIT_VERIFY_MONTE_CARLO:
    case REFIT_VERIFY_MC_PROPERTY: return "z";
    case REFIT_VERIFY_EXACT: return "margin";
    }
    return "score";
}

/* How the item's score is judged, for people (the check's rule says more). */
static const char *score_rule(refit_verify_kind kind)
{
    switch (kind) {
    case REFIT_VERIFY_CERTIFY: return "pass: error <= tolerance";
    case REFIT_VERIFY_MONTE_CARLO: return "pass: reliable and |z| <= tolerance = z_crit";
    case REFIT_VERIFY_EXACT: return "pass: margin >= 0";
    case REFIT_VERIFY_MC_PROPERTY: return "= z_crit; a one-sided or detection test: see the rule";
    }
    return "";
}

static size_t passed_count(const refit_verify_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->check_count; i++) n += r->checks[i].pass != 0;
    return n;
}

static size_t items_passed(const refit_verify_check *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->item_count; i++) n += c->items[i].pass != 0;
    return n;
}

static const char *text_or_empty(const char *s)
{
    return s ? s : "";
}

/* %.4g for the rounded judgement numbers (score, tolerance, z_crit). */
static const char *fmt_short4(char *buf, size_t size, double x)
{
    if (!isfinite(x)) return cli_format_double(buf, size, x);
    snprintf(buf, size, "%.4g", x == 0.0 ? 0.0 : x);
    return buf;
}

/* ---- table ------------------------------------------------------------------- */

/* `label` padded to `indent`, then `text` wrapped at `width` with a hanging
 * indent.  A word longer than a line is printed whole. */
static void put_wrapped(FILE *f, int indent, const char *label, const char *text, int width)
{
    int col;
    const char *p = text;
    fprintf(f, "%-*s", indent, label);
    col = (int)strlen(label) > indent ? (int)strlen(label) : indent;
    if (!*p) {
        fputc('\n', f);
        return;
    }
    while (*p) {
        size_t len;
        while (*p == ' ') p++;
        if (!*p) break;
        len = strcspn(p, " ");
        if (col > indent && col + 1 + (int)len > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, len, f);
        col += (int)len;
        p += len;
    }
    fputc('\n', f);
}

static void table_item(FILE *f, const refit_verify_item *it, int width)
{
    char a[40], b[40], head[REFIT_VERIFY_TEXT + 96], extra[64];
    const int ind = 9;
    if (it->n != UINT64_MAX)
        snprintf(extra, sizeof extra, "  (%s, n = %llu)", kind_name(it->kind),
                 (unsigned long long)it->n);
    else
        snprintf(extra, sizeof extra, "  (%s)", kind_name(it->kind));
    snprintf(head, sizeof head, "%s%s", it->what, extra);
    put_wrapped(f, ind, it->pass ? "  [pass]" : "  [FAIL]", head, width);
    if (isfinite(it->exact) || isfinite(it->exact_mp)) {
        fprintf(f, "%*s%-10s", ind, "", "exact");
        if (isnan(it->exact_mp))
            fprintf(f, "%s\n", cli_format_double(a, sizeof a, it->exact));
        else
            fprintf(f, "%-26s MPFR %s\n", cli_format_double(a, sizeof a, it->exact),
                    cli_format_double(b, sizeof b, it->exact_mp));
    }
    if (!isnan(it->estimate)) {
        fprintf(f, "%*s%-10s%-26s se   %s\n", ind, "", "estimate",
                cli_format_double(a, sizeof a, it->estimate), cli_format_double(b, sizeof b, it->se));
        if (!isnan(it->lo) || !isnan(it->hi))
            fprintf(f, "%*s%-10s[%s, %s]\n", ind, "", "95% int.", cli_format_double(a, sizeof a, it->lo),
                    cli_format_double(b, sizeof b, it->hi));
        if (!it->reliable)
            fprintf(f, "%*s%-10s%s\n", ind, "", "reliable", "NO: the error bar cannot be trusted");
    }
    if (!isnan(it->bound))
        fprintf(f, "%*s%-10s%s\n", ind, "", "bound", cli_format_double(a, sizeof a, it->bound));
    {
        char label[32], line[160];
        snprintf(label, sizeof label, "%*s%s", ind, "", score_name(it->kind));
        snprintf(line, sizeof line, "%s, tolerance %s (%s)", fmt_short4(a, sizeof a, it->score),
                 fmt_short4(b, sizeof b, it->tolerance), score_rule(it->kind));
        put_wrapped(f, ind + 10, label, line, width);
    }
}

static void table_rule(FILE *f, size_t index, size_t total, const refit_verify_check *c, int width)
{
    char left[160];
    const char *verdict = c->pass ? "PASS" : "FAIL";
    int len = snprintf(left, sizeof left, "---- %zu/%zu %s ", index + 1, total, c->id);
    int fill = width - len - 1 - (int)strlen(verdict);
    fputs(left, f);
    for (int i = 0; i < fill; i++) fputc('-', f);
    fprintf(f, " %s\n", verdict);
}

static void print_table(FILE *f, const refit_verify_result *r, const refit_verify_config *cfg)
{
    const int w = CLI_VERIFY_WIDTH, ind = 8;
    char a[40], b[40], line[512];
    size_t passed = passed_count(r);
    snprintf(line, sizeof line, "refit verify: %zu check%s, level %s, seed %llu, alpha %s",
             r->check_count, r->check_count == 1 ? "" : "s", cli_verify_level_name(cfg->level),
             (unsigned long long)cfg->seed, cli_format_short(a, sizeof a, cfg->alpha));
    put_wrapped(f, 0, "", line, w);
    if (cfg->perturb) {
        snprintf(line, sizeof line, "--perturb %s: this run breaks check '%s' ON PURPOSE; that "
                 "check is expected to FAIL.", cfg->perturb, cfg->perturb);
        put_wrapped(f, 6, "NOTE:", line, w);
    }
    for (size_t i = 0; i < r->check_count; i++) {
        const refit_verify_check *c = &r->checks[i];
        char items[96];
        fputc('\n', f);
        table_rule(f, i, r->check_count, c, w);
        put_wrapped(f, ind, "title", text_or_empty(c->title), w);
        put_wrapped(f, ind, "source", text_or_empty(c->source), w);
        put_wrapped(f, ind, "claim", text_or_empty(c->claim), w);
        put_wrapped(f, ind, "params", c->params, w);
        put_wrapped(f, ind, "rule", text_or_empty(c->rule), w);
        if (c->perturbed) {
            snprintf(line, sizeof line, "BROKEN ON PURPOSE (--perturb %s): %s", c->id,
                     text_or_empty(c->perturbation));
            put_wrapped(f, ind, "perturb", line, w);
        }
        if (c->status != REFIT_OK) {
            snprintf(line, sizeof line, "the check stopped: %s", refit_strerror(c->status));
            put_wrapped(f, ind, "status", line, w);
        }
        snprintf(items, sizeof items, "%zu, %zu pass", c->item_count, items_passed(c));
        put_wrapped(f, ind, "items", items, w);
        for (size_t k = 0; k < c->item_count; k++) table_item(f, &c->items[k], w);
    }
    /* The overview: one line per check, the verdicts at a glance. */
    fputc('\n', f);
    for (size_t i = 0; i < r->check_count; i++) {
        const refit_verify_check *c = &r->checks[i];
        char label[64];
        int lw = snprintf(label, sizeof label, "%s  %-12s  ", c->pass ? "pass" : "FAIL", c->id);
        snprintf(line, sizeof line, "%s%s", text_or_empty(c->title),
                 c->perturbed ? " [broken on purpose]" : "");
        put_wrapped(f, lw < 24 ? lw : 24, label, line, w);
    }
    snprintf(line, sizeof line, "%zu check%s, %zu passed, %zu failed; %zu Monte Carlo items, "
             "z_crit = %s (alpha = %s, Bonferroni over the Monte Carlo items)",
             r->check_count, r->check_count == 1 ? "" : "s", passed, r->check_count - passed,
             r->mc_items, fmt_short4(a, sizeof a, r->z_crit),
             cli_format_short(b, sizeof b, cfg->alpha));
    put_wrapped(f, 9, "summary:", line, w);
    if (r->all_pass) {
        put_wrapped(f, 9, "verdict:", cfg->perturb ? "every check passes, although --perturb "
                    "broke one on purpose: the check failed to detect it" : "every check passes",
                    w);
    } else {
        char *ids = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&ids, &len);
        if (m) {
            int first = 1, others = 0;
            fputs("FAIL: ", m);
            for (size_t i = 0; i < r->check_count; i++) {
                if (r->checks[i].pass) continue;
                fprintf(m, "%s%s", first ? "" : ", ", r->checks[i].id);
                first = 0;
                others |= !r->checks[i].perturbed;
            }
            if (cfg->perturb && !others)
                fprintf(m, "; broken on purpose by --perturb %s, so this failure is the "
                        "expected outcome", cfg->perturb);
            if (fclose(m) == 0) put_wrapped(f, 9, "verdict:", ids, w);
        }
        free(ids);
    }
}

/* ---- JSON ------------------------------------------------------------------- */

static void json_item(FILE *f, const refit_verify_item *it)
{
    fputs("{\"what\": ", f);
    cli_json_string(f, it->what);
    fprintf(f, ", \"kind\": \"%s\", \"n\": ", kind_name(it->kind));
    if (it->n == UINT64_MAX)
        fputs("null", f);
    else
        fprintf(f, "%llu", (unsigned long long)it->n);
    fputs(", \"exact\": ", f);
    cli_json_number(f, it->exact);
    fputs(", \"exact_mp\": ", f);
    cli_json_number(f, it->exact_mp);
    fputs(", \"estimate\": ", f);
    cli_json_number(f, it->estimate);
    fputs(", \"se\": ", f);
    cli_json_number(f, it->se);
    fputs(", \"lo\": ", f);
    cli_json_number(f, it->lo);
    fputs(", \"hi\": ", f);
    cli_json_number(f, it->hi);
    fprintf(f, ", \"reliable\": %s, \"bound\": ", it->reliable ? "true" : "false");
    cli_json_number(f, it->bound);
    fputs(", \"score\": ", f);
    cli_json_number(f, it->score);
    fputs(", \"tolerance\": ", f);
    cli_json_number(f, it->tolerance);
    fprintf(f, ", \"pass\": %s}", it->pass ? "true" : "false");
}

static void json_text_member(FILE *f, const char *key, const char *value)
{
    fprintf(f, ", \"%s\": ", key);
    if (value)
        cli_json_string(f, value);
    else
        fputs("null", f);
}

static void print_json(FILE *f, const refit_verify_result *r, const refit_verify_config *cfg)
{
    size_t passed = passed_count(r);
    fputs("{\"command\": \"verify\",\n \"params\": {\"level\": ", f);
    cli_json_string(f, cli_verify_level_name(cfg->level));
    fprintf(f, ", \"seed\": %llu, \"alpha\": ", (unsigned long long)cfg->seed);
    cli_json_number(f, cfg->alpha);
    fputs(", \"only\": ", f);
    if (cfg->only) {
        fputc('[', f);
        for (size_t i = 0; i < cfg->only_count; i++) {
            if (i) fputs(", ", f);
            cli_json_string(f, cfg->only[i]);
        }
        fputc(']', f);
    } else {
        fputs("null", f);
    }
    fputs(", \"perturb\": ", f);
    if (cfg->perturb)
        cli_json_string(f, cfg->perturb);
    else
        fputs("null", f);
    fputs("},\n \"checks\": [", f);
    for (size_t i = 0; i < r->check_count; i++) {
        const refit_verify_check *c = &r->checks[i];
        fputs(i ? ",\n  {\"id\": " : "\n  {\"id\": ", f);
        cli_json_string(f, c->id);
        fprintf(f, ", \"verdict\": \"%s\"", c->pass ? "pass" : "fail");
        json_text_member(f, "title", c->title);
        json_text_member(f, "source", c->source);
        json_text_member(f, "claim", c->claim);
        json_text_member(f, "params", c->params);
        json_text_member(f, "rule", c->rule);
        json_text_member(f, "perturbation", c->perturbation);
        fprintf(f, ", \"perturbed\": %s, \"status\": ", c->perturbed ? "true" : "false");
        cli_json_string(f, c->status == REFIT_OK ? "ok" : refit_strerror(c->status));
        fputs(",\n   \"items\": [", f);
        for (size_t k = 0; k < c->item_count; k++) {
            fputs(k ? ",\n    " : "\n    ", f);
            json_item(f, &c->items[k]);
        }
        fputs("]}", f);
    }
    fprintf(f, "],\n \"summary\": {\"checks\": %zu, \"passed\": %zu, \"failed\": %zu, "
            "\"mc_items\": %zu, \"z_crit\": ", r->check_count, passed, r->check_count - passed,
            r->mc_items);
    cli_json_number(f, r->z_crit);
    fputs(", \"alpha\": ", f);
    cli_json_number(f, cfg->alpha);
    fprintf(f, ", \"all_pass\": %s}}\n", r->all_pass ? "true" : "false");
}

/* ---- Markdown ------------------------------------------------------------------ */

/* Text with Markdown's active characters escaped, so it reads as typed:
 * emphasis, code, table cells, links, and '<' where it could open an HTML
 * tag; a '>' or '#' only at the start (a quote or a heading there). */
static void md_text(FILE *f, const char *s)
{
    if (!s) return;
    if (*s == '>' || *s == '#') fputc('\\', f);
    for (const char *p = s; *p; p++) {
        int tag = *p == '<' && (((p[1] | 32) >= 'a' && (p[1] | 32) <= 'z') || p[1] == '/' ||
                                p[1] == '!' || p[1] == '?');
        if (strchr("\\`*|[]", *p) || tag) fputc('\\', f);
        if (*p == '\n' || *p == '\r')
            fputc(' ', f);
        else
            fputc(*p, f);
    }
}

static void md_number(FILE *f, double x)
{
    char buf[40];
    if (isnan(x))
        fputs("-", f);
    else
        fputs(cli_format_double(buf, sizeof buf, x), f);
}

static void md_check(FILE *f, const refit_verify_check *c)
{
    char a[40], b[40];
    fprintf(f, "\n<a id=\"%s\"></a>\n\n## `%s`: %s\n\n**", c->id, c->id,
            c->pass ? "PASS" : "FAIL");
    md_text(f, c->title);
    fputs("**\n\n", f);
    if (c->perturbed) {
        fprintf(f, "> **Broken on purpose** (`--perturb %s`): ", c->id);
        md_text(f, c->perturbation);
        fputs(" The check is expected to fail.\n\n", f);
    }
    fputs("- **Source:** ", f);
    md_text(f, c->source);
    fputs("\n- **Claim:** ", f);
    md_text(f, c->claim);
    fputs("\n- **Parameters:** ", f);
    md_text(f, c->params);
    fputs("\n- **Rule:** ", f);
    md_text(f, c->rule);
    fputs("\n- **Fails when:** ", f);
    md_text(f, c->perturbation);
    fputc('\n', f);
    if (c->status != REFIT_OK) {
        fputs("- **Stopped:** ", f);
        md_text(f, refit_strerror(c->status));
        fputc('\n', f);
    }
    fprintf(f, "\n%zu items, %zu pass.\n\n", c->item_count, items_passed(c));
    if (c->item_count == 0) return;
    fputs("| | item | kind | n | exact | exact (MPFR) | estimate | se | 95% interval | bound "
          "| score | tolerance |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n", f);
    for (size_t k = 0; k < c->item_count; k++) {
        const refit_verify_item *it = &c->items[k];
        fprintf(f, "| %s | ", it->pass ? "pass" : "**FAIL**");
        md_text(f, it->what);
        fprintf(f, " | %s | ", kind_name(it->kind));
        if (it->n != UINT64_MAX) fprintf(f, "%llu", (unsigned long long)it->n);
        fputs(" | ", f);
        md_number(f, it->exact);
        fputs(" | ", f);
        md_number(f, it->exact_mp);
        fputs(" | ", f);
        md_number(f, it->estimate);
        fputs(" | ", f);
        md_number(f, isnan(it->estimate) ? NAN : it->se);
        fputs(" | ", f);
        if (!isnan(it->estimate) && (!isnan(it->lo) || !isnan(it->hi))) {
            fputc('[', f);
            md_number(f, it->lo);
            fputs(", ", f);
            md_number(f, it->hi);
            fputc(']', f);
            if (!it->reliable) fputs(" unreliable", f);
        } else if (!isnan(it->estimate) && !it->reliable) {
            fputs("unreliable", f);
        }
        fputs(" | ", f);
        md_number(f, it->bound);
        fprintf(f, " | %s = %s | %s |\n", score_name(it->kind), fmt_short4(a, sizeof a, it->score),
                fmt_short4(b, sizeof b, it->tolerance));
    }
}

static void print_markdown(FILE *f, const refit_verify_result *r, const refit_verify_config *cfg)
{
    char a[40], b[40];
    size_t passed = passed_count(r);
    fprintf(f, "# refit verify: %zu of %zu checks pass\n\n", passed, r->check_count);
    fprintf(f, "Level `%s`, seed %llu. Each check compares what the source claims with what "
            "refit computes: closed forms in double precision against their MPFR twins, exact "
            "values against Monte Carlo estimates (z-scores), and bounds. The %zu Monte Carlo "
            "items share a family-wise false-alarm probability alpha = %s (Bonferroni: "
            "|z| <= z_crit = %s).\n", cli_verify_level_name(cfg->level),
            (unsigned long long)cfg->seed, r->mc_items, cli_format_short(a, sizeof a, cfg->alpha),
            fmt_short4(b, sizeof b, r->z_crit));
    if (cfg->perturb)
        fprintf(f, "\n> **This run broke check `%s` on purpose** (`--perturb %s`): that check is "
                "expected to fail.\n", cfg->perturb, cfg->perturb);
    fputs("\n| check | verdict | title |\n|---|---|---|\n", f);
    for (size_t i = 0; i < r->check_count; i++) {
        const refit_verify_check *c = &r->checks[i];
        fprintf(f, "| [`%s`](#%s) | %s%s | ", c->id, c->id, c->pass ? "pass" : "**FAIL**",
                c->perturbed ? " (perturbed)" : "");
        md_text(f, c->title);
        fputs(" |\n", f);
    }
    fprintf(f, "\n**Summary:** %zu check%s, %zu passed, %zu failed; %zu Monte Carlo items, "
            "z_crit = %s, alpha = %s. Verdict: %s.\n", r->check_count,
            r->check_count == 1 ? "" : "s", passed,
            r->check_count - passed, r->mc_items, fmt_short4(a, sizeof a, r->z_crit),
            cli_format_short(b, sizeof b, cfg->alpha),
            r->all_pass ? "every check passes" : "**some checks fail**");
    for (size_t i = 0; i < r->check_count; i++) md_check(f, &r->checks[i]);
}

int cli_verify_print(FILE *out, const refit_verify_result *result,
                     const refit_verify_config *config, cli_verify_format format)
{
    switch (format) {
    case CLI_VERIFY_TABLE: print_table(out, result, config); break;
    case CLI_VERIFY_JSON: print_json(out, result, config); break;
    case CLI_VERIFY_MARKDOWN: print_markdown(out, result, config); break;
    }
    return ferror(out) ? -1 : 0;
}

/* ---- the report folder ------------------------------------------------------------ */

int cli_verify_report_prepare(const char *prefix, const char *dir)
{
    char pbuf[128];
    char *path;
    size_t len = strlen(dir);
    struct stat st;
    cli_printable(pbuf, sizeof pbuf, dir);
    if (len == 0) {
        cli_bad_value(prefix, "--report", dir, "a folder name (created if missing)");
        return -1;
    }
    path = malloc(len + 1);
    if (!path) {
        cli_error(prefix, "--report", "out of memory");
        return -1;
    }
    memcpy(path, dir, len + 1);
    /* mkdir -p: each prefix that ends before a '/', then the whole path. */
    for (size_t i = 1; i <= len; i++) {
        if (i < len && path[i] != '/') continue;
        if (i < len && path[i - 1] == '/') continue;
        path[i] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            cli_error(prefix, "--report", "cannot create folder '%s': %s; expected a folder "
                      "that can be created", cli_printable(pbuf, sizeof pbuf, path),
                      strerror(errno));
            free(path);
            return -1;
        }
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
            char full[128];
            if (i == len)
                cli_error(prefix, "--report", "'%s' is not a folder; expected a folder name "
                          "(created if missing)", cli_printable(pbuf, sizeof pbuf, path));
            else
                cli_error(prefix, "--report", "'%s' is not a folder (in '%s'); expected a "
                          "folder name (created if missing)",
                          cli_printable(pbuf, sizeof pbuf, path),
                          cli_printable(full, sizeof full, dir));
            free(path);
            return -1;
        }
        if (i < len) path[i] = '/';
    }
    free(path);
    if (access(dir, W_OK | X_OK) != 0) {
        cli_error(prefix, "--report", "cannot write into folder '%s': %s; expected a writable "
                  "folder", pbuf, strerror(errno));
        return -1;
    }
    return 0;
}

const char *cli_verify_find_gnuplot(char *buf, size_t size)
{
    const char *path = getenv("PATH");
    const char *p = path;
    if (!path) return NULL;
    for (;;) {
        size_t len = strcspn(p, ":");
        struct stat st;
        /* An empty PATH entry means the current folder. */
        int n = len ? snprintf(buf, size, "%.*s/gnuplot", (int)len, p)
                    : snprintf(buf, size, "./gnuplot");
        if (n > 0 && (size_t)n < size && stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
            access(buf, X_OK) == 0)
            return buf;
        if (p[len] == '\0') break;
        p += len + 1;
    }
    return NULL;
}

/* "dir/name"; malloc'd, NULL when out of memory. */
static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2);
    if (!s) return NULL;
    memcpy(s, dir, a);
    s[a] = '/';
    memcpy(s + a + 1, name, b + 1);
    return s;
}

/* Write `text` (len bytes) to dir/name; 0 or -1 (printed). */
static int write_file(const char *prefix, const char *dir, const char *name, const char *text,
                      size_t len)
{
    char pbuf[160];
    char *path = join_path(dir, name);
    FILE *f;
    int bad;
    if (!path) {
        cli_error(prefix, "--report", "out of memory");
        return -1;
    }
    cli_printable(pbuf, sizeof pbuf, path);
    f = fopen(path, "w");
    if (!f) {
        cli_error(prefix, "--report", "cannot write '%s': %s", pbuf, strerror(errno));
        free(path);
        return -1;
    }
    bad = fwrite(text, 1, len, f) != len;
    bad |= fclose(f) != 0;
    if (bad) {
        cli_error(prefix, "--report", "writing '%s' failed: %s", pbuf, strerror(errno));
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

/* A file name stem is used in shell-free contexts only, but keep it tame:
 * letters, digits, '-' and '_' (the library's ids are such). */
static int tame_stem(const char *s)
{
    if (!*s) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
    return 1;
}

static void dat_number(FILE *f, double x)
{
    char buf[40];
    fputs(isfinite(x) ? cli_format_double(buf, sizeof buf, x) : "nan", f);
}

/* ---- how a figure is drawn -----------------------------------------------------
 *
 * The library names each series <role>_<quantity>[_<group>]: role "exact"
 * (a closed form: a line) or "mc" (Monte Carlo: points, with error bars
 * where it has an interval).  An exact series and a Monte Carlo one of the
 * same quantity and group share a colour.  With groups (the regimes) the
 * colour is the group and the quantity is the line's dash and the point's
 * shape.  Pairs of exact quantiles p and 1 - p on one grid also give a
 * shaded band (the fan), written as extra blocks of the .dat file. */

typedef enum series_role { ROLE_EXACT = 0, ROLE_MC, ROLE_OTHER, ROLE_BAND } series_role;

#define PLAN_MAX 64

typedef struct plot_entry {
    size_t block;      /* index in the .dat file */
    size_t series;     /* the series (ROLE_BAND: the lower quantile's) */
    size_t upper;      /* ROLE_BAND: the upper quantile's series */
    series_role role;
    char quantity[48]; /* canonical: "q0.5" for a median */
    char group[48];    /* "" without groups */
    size_t colour, style;
    int interval;
} plot_entry;

typedef struct plot_plan {
    plot_entry e[PLAN_MAX];
    size_t count;
    size_t ncolour, nstyle;
    int grouped;
    int bars; /* Monte Carlo drawn as bars (the histogram) */
} plot_plan;

static series_role role_of(const char *name)
{
    if (strncmp(name, "exact_", 6) == 0) return ROLE_EXACT;
    if (strncmp(name, "mc_", 3) == 0) return ROLE_MC;
    return ROLE_OTHER;
}

/* The quantile p of a canonical quantity "q<p>", or NaN. */
static double quantile_of(const char *quantity)
{
    char *end;
    double p;
    if (quantity[0] != 'q') return NAN;
    p = strtod(quantity + 1, &end);
    return end != quantity + 1 && *end == '\0' && p > 0.0 && p < 1.0 ? p : NAN;
}

/* Index of `s` in names[0..*n), appended when new. */
static size_t intern(char (*names)[48], size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], s) == 0) return i;
    if (*n < PLAN_MAX) snprintf(names[(*n)++], 48, "%s", s);
    return *n - 1;
}

static int same_grid(const refit_verify_series *a, const refit_verify_series *b)
{
    if (a->count != b->count || a->count == 0) return 0;
    for (size_t k = 0; k < a->count; k++)
        if (a->x[k] != b->x[k]) return 0;
    return 1;
}

static void make_plan(const refit_verify_figure *fig, plot_plan *plan)
{
    char colours[PLAN_MAX][48], styles[PLAN_MAX][48];
    size_t nc = 0, ns = 0, count = fig->series_count < PLAN_MAX ? fig->series_count : PLAN_MAX;
    memset(plan, 0, sizeof *plan);
    plan->grouped = count > 0;
    plan->bars = strcmp(fig->id, "histogram") == 0;
    for (size_t s = 0; s < count; s++) {
        plot_entry *e = &plan->e[plan->count++];
        const char *name = fig->series[s].name;
        const char *rest;
        size_t len;
        e->block = s;
        e->series = s;
        e->role = role_of(name);
        e->interval = fig->series[s].lo && fig->series[s].hi;
        rest = e->role == ROLE_EXACT ? name + 6 : e->role == ROLE_MC ? name + 3 : name;
        len = strcspn(rest, "_");
        snprintf(e->quantity, sizeof e->quantity, "%.*s", (int)(len < 47 ? len : 47), rest);
        snprintf(e->group, sizeof e->group, "%s", rest[len] ? rest + len + 1 : "");
        if (strcmp(e->quantity, "median") == 0) snprintf(e->quantity, sizeof e->quantity, "q0.5");
        if (e->role == ROLE_OTHER || !e->group[0]) plan->grouped = 0;
    }
    for (size_t i = 0; i < plan->count; i++) {
        plot_entry *e = &plan->e[i];
        if (plan->grouped) {
            e->colour = intern(colours, &nc, e->group);
            e->style = intern(styles, &ns, e->quantity);
        } else {
            char key[96];
            snprintf(key, sizeof key, "%s%s%s", e->quantity, e->group[0] ? "_" : "", e->group);
            e->colour = intern(colours, &nc, key);
        }
    }
    /* Bands between exact quantiles p < 1/2 and 1 - p on the same grid. */
    for (size_t i = 0, n = plan->count; i < n && plan->count < PLAN_MAX; i++) {
        const plot_entry *lo = &plan->e[i];
        double p = quantile_of(lo->quantity);
        if (lo->role != ROLE_EXACT || !(p < 0.5)) continue;
        for (size_t j = 0; j < n; j++) {
            const plot_entry *hi = &plan->e[j];
            if (hi->role != ROLE_EXACT || quantile_of(hi->quantity) != 1.0 - p ||
                strcmp(hi->group, lo->group) != 0 ||
                !same_grid(&fig->series[lo->series], &fig->series[hi->series]))
                continue;
            {
                plot_entry *b = &plan->e[plan->count];
                memset(b, 0, sizeof *b);
                b->block = plan->count;
                b->series = lo->series;
                b->upper = hi->series;
                b->role = ROLE_BAND;
                snprintf(b->quantity, sizeof b->quantity, "%.16g-%.16g", 100.0 * p,
                         100.0 * (1.0 - p));
                plan->count++;
            }
            break;
        }
    }
    plan->ncolour = nc ? nc : 1;
    plan->nstyle = ns ? ns : 1;
}

/* One block per series, then the bands, separated by two blank lines
 * (gnuplot's `index`). */
static void render_dat(FILE *f, const refit_verify_figure *fig)
{
    plot_plan plan;
    make_plan(fig, &plan);
    fprintf(f, "# refit verify, figure '%s': %s\n", fig->id, fig->title);
    fprintf(f, "# x: %s\n# y: %s\n", fig->xlabel, fig->ylabel);
    fputs("# One block per series (gnuplot: index I), blocks separated by two blank lines.\n"
          "# Columns: x y, then lo hi (the 95% interval) where the series has one; a band\n"
          "# (the range between two exact quantiles) has x lo hi.  nan: no value.\n", f);
    for (size_t i = 0; i < plan.count; i++) {
        const plot_entry *e = &plan.e[i];
        const refit_verify_series *se = &fig->series[e->series];
        if (i) fputs("\n\n", f);
        if (e->role == ROLE_BAND) {
            const refit_verify_series *up = &fig->series[e->upper];
            fprintf(f, "# series %zu: band %s%% (between %s and %s)\n# x lo hi\n", i,
                    e->quantity, se->name, up->name);
            for (size_t k = 0; k < se->count; k++) {
                dat_number(f, se->x[k]);
                fputc(' ', f);
                dat_number(f, se->y[k]);
                fputc(' ', f);
                dat_number(f, up->y[k]);
                fputc('\n', f);
            }
            continue;
        }
        fprintf(f, "# series %zu: %s\n# x y%s\n", i, se->name, e->interval ? " lo hi" : "");
        for (size_t k = 0; k < se->count; k++) {
            dat_number(f, se->x[k]);
            fputc(' ', f);
            dat_number(f, se->y[k]);
            if (e->interval) {
                fputc(' ', f);
                dat_number(f, se->lo[k]);
                fputc(' ', f);
                dat_number(f, se->hi[k]);
            }
            fputc('\n', f);
        }
    }
}

/* A gnuplot single-quoted string: '' stands for '. */
static void gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (const char *p = s; *p; p++) {
        if (*p == '\'') fputc('\'', f);
        if (*p != '\n' && *p != '\r') fputc(*p, f);
    }
    fputc('\'', f);
}

/* The legend's words for a quantity; `ix` is the generation's letter. */
static void quantity_words(char *buf, size_t size, const char *quantity, char ix)
{
    double p = quantile_of(quantity);
    if (p == 0.5)
        snprintf(buf, size, "median");
    else if (isfinite(p))
        snprintf(buf, size, "%.15g%% quantile", 100.0 * p);
    else if (strcmp(quantity, "var") == 0)
        snprintf(buf, size, "E sigma_%c^2", ix);
    else if (strcmp(quantity, "mse") == 0)
        snprintf(buf, size, "E (mu_%c - mu)^2", ix);
    else if (strcmp(quantity, "prob") == 0)
        snprintf(buf, size, "bin probability");
    else if (strcmp(quantity, "freq") == 0)
        snprintf(buf, size, "bin frequency");
    else if (strcmp(quantity, "mle") == 0)
        snprintf(buf, size, "MLE");
    else {
        size_t i;
        snprintf(buf, size, "%s", quantity);
        for (i = 0; buf[i]; i++)
            if (buf[i] == '_') buf[i] = ' ';
    }
}

static void legend_text(char *buf, size_t size, const plot_entry *e, char ix)
{
    char words[64];
    quantity_words(words, sizeof words, e->quantity, ix);
    switch (e->role) {
    case ROLE_BAND: snprintf(buf, size, "%s%% range, exact", e->quantity); return;
    case ROLE_OTHER: snprintf(buf, size, "%s", words); return;
    case ROLE_EXACT:
    case ROLE_MC: break;
    }
    /* With groups the column's heading names the group. */
    snprintf(buf, size, "%s, %s", words, e->role == ROLE_EXACT ? "exact" : "Monte Carlo");
}

/* Okabe-Ito: distinguishable with the common colour-vision deficiencies. */
static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#F0E442"};
#define PALETTE (sizeof palette / sizeof palette[0])
static const int point_types[] = {7, 9, 5, 11, 13};
static const int dash_types[] = {1, 2, 4, 5, 3};

/* The legend is a table, one column per group (with groups) or per role
 * (exact, Monte Carlo, other, bands). */
static size_t column_of(const plot_plan *plan, const plot_entry *e)
{
    if (e->role == ROLE_BAND) return plan->grouped ? plan->ncolour : 3;
    if (plan->grouped) return e->colour;
    /* Histogram bars first, so that the exact line is drawn over them. */
    if (plan->bars && e->role != ROLE_OTHER) return e->role == ROLE_MC ? 0 : 1;
    return (size_t)e->role;
}

/* Legend order: by column, then by quantity, exact before Monte Carlo. */
static int entry_before(const plot_plan *plan, const plot_entry *a, const plot_entry *b)
{
    size_t ca = column_of(plan, a), cb = column_of(plan, b);
    if (ca != cb) return ca < cb;
    if (plan->grouped) {
        if (a->style != b->style) return a->style < b->style;
        if (a->role != b->role) return a->role < b->role;
    }
    return a->block < b->block;
}

/* The inner band (25-75%) darker than the outer one. */
static const char *band_alpha(const plot_entry *e)
{
    return strncmp(e->quantity, "25", 2) == 0 ? "0.18" : "0.09";
}

static void render_gp(FILE *f, const refit_verify_figure *fig)
{
    plot_plan plan;
    size_t order[PLAN_MAX], rows = 1, cols = 0;
    int histogram;
    char legend[160];
    /* The generation's letter for the legend: the last word of the x label
     * when it is one letter ("generation t"). */
    size_t xl = strlen(fig->xlabel);
    char ix = xl >= 2 && fig->xlabel[xl - 2] == ' ' ? fig->xlabel[xl - 1] : 'n';

    make_plan(fig, &plan);
    histogram = plan.bars;
    for (size_t i = 0; i < plan.count; i++) order[i] = i;
    /* insertion sort: a handful of entries */
    for (size_t i = 1; i < plan.count; i++)
        for (size_t j = i; j > 0 && entry_before(&plan, &plan.e[order[j]], &plan.e[order[j - 1]]);
             j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    /* rows: the longest column; columns: those with entries */
    for (size_t i = 0; i < plan.count;) {
        size_t col = column_of(&plan, &plan.e[order[i]]), n = 0;
        while (i < plan.count && column_of(&plan, &plan.e[order[i]]) == col) {
            n++;
            i++;
        }
        if (n > rows) rows = n;
        cols++;
    }
    if (plan.grouped) rows++; /* the heading */

    fprintf(f, "# refit verify, figure '%s'.  Draw it again with:  cd <this folder> && "
            "gnuplot %s.gp\n", fig->id, fig->id);
    fprintf(f, "# Data: %s.dat (one block per series).  PNG with cairo when gnuplot has it, "
            "else SVG.\n", fig->id);
    fprintf(f, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
            "    set terminal pngcairo size 1100,800 font 'sans,12' noenhanced\n"
            "    set output '%s.png'\n"
            "} else {\n"
            "    set terminal svg size 1100,800 font 'sans,12' noenhanced\n"
            "    set output '%s.svg'\n"
            "}\n", fig->id, fig->id);
    fputs("set datafile missing 'nan'\nset title ", f);
    gp_string(f, fig->title);
    fputs(" font ',14'\nset xlabel ", f);
    gp_string(f, fig->xlabel);
    fputs("\nset ylabel ", f);
    gp_string(f, fig->ylabel);
    /* The legend below the plot, as a table: it never hides data. */
    fprintf(f, "\nset grid\nset key below center vertical maxrows %zu maxcols %zu Left reverse "
            "nobox samplen 3 spacing 1.1\n", rows, cols ? cols : 1);
    if (fig->logx) fputs("set logscale x\n", f);
    if (fig->logy) fputs("set logscale y\nset format y '%g'\n", f);
    if (histogram) fputs("set style fill transparent solid 0.35 border\nset boxwidth 0.9 relative\n", f);
    /* Bands first (gnuplot stacks in plot order: they stay behind) with no
     * title; then every entry in legend order (a band as a keyentry), each
     * column padded with blank entries to the same height, so that the
     * legend reads as a table. */
    fputs("plot", f);
    {
        const char *sep = " \\\n    ";
        for (size_t i = 0; i < plan.count; i++) {
            const plot_entry *e = &plan.e[order[i]];
            if (e->role != ROLE_BAND) continue;
            fprintf(f, "%s'%s.dat' index %zu using 1:2:3 with filledcurves fc rgb '#0072B2' fs "
                    "transparent solid %s noborder notitle", sep, fig->id, e->block, band_alpha(e));
            sep = ", \\\n    ";
        }
        for (size_t i = 0, in_col = 0; i < plan.count; i++) {
            const plot_entry *e = &plan.e[order[i]];
            const char *colour = palette[e->colour % PALETTE];
            legend_text(legend, sizeof legend, e, ix);
            fputs(sep, f);
            sep = ", \\\n    ";
            if (plan.grouped && in_col == 0 && e->role != ROLE_BAND) {
                char heading[64];
                snprintf(heading, sizeof heading, "%s:", e->group);
                fputs("keyentry with lines lc rgb '#ffffff' title ", f);
                gp_string(f, heading);
                fputs(", \\\n    ", f);
                in_col++;
            }
            if (e->role == ROLE_BAND) {
                fprintf(f, "keyentry with filledcurves fc rgb '#0072B2' fs transparent solid %s "
                        "noborder title ", band_alpha(e));
            } else if (e->role == ROLE_MC && histogram) {
                fprintf(f, "'%s.dat' index %zu using 1:2 with boxes lc rgb '%s' title ", fig->id,
                        e->block, colour);
            } else if (e->role == ROLE_MC) {
                int pt = plan.grouped ? point_types[e->style % 5] : 7;
                if (e->interval)
                    fprintf(f, "'%s.dat' index %zu using 1:2:3:4 with yerrorbars pt %d ps 0.9 lc "
                            "rgb '%s' title ", fig->id, e->block, pt, colour);
                else
                    fprintf(f, "'%s.dat' index %zu using 1:2 with points pt %d ps 0.9 lc rgb '%s' "
                            "title ", fig->id, e->block, pt, colour);
            } else {
                int dt = plan.grouped ? dash_types[e->style % 5] : e->role == ROLE_OTHER ? 2 : 1;
                fprintf(f, "'%s.dat' index %zu using 1:2 with lines lw 2 dt %d lc rgb '%s' title ",
                        fig->id, e->block, dt, colour);
            }
            gp_string(f, legend);
            if (e->role == ROLE_MC && histogram && e->interval)
                fprintf(f, ", \\\n    '%s.dat' index %zu using 1:2:3:4 with yerrorbars pt -1 "
                        "lc rgb '%s' notitle", fig->id, e->block, colour);
            in_col++;
            if (i + 1 == plan.count ||
                column_of(&plan, &plan.e[order[i + 1]]) != column_of(&plan, e)) {
                for (; in_col < rows; in_col++)
                    fputs(", \\\n    keyentry with lines lc rgb '#ffffff' title ' '", f);
                in_col = 0;
            }
        }
    }
    fputc('\n', f);
    fputs("unset output\n", f);
}

/* Run `gnuplot <id>.gp` inside dir, its stderr appended to dir/gnuplot.log;
 * 0 when it exits 0. */
static int run_gnuplot(const char *gnuplot, const char *dir, const char *gp_name)
{
    pid_t pid;
    int status;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        /* Only async-signal-safe calls between fork and exec. */
        int devnull, log;
        char *const argv[] = {(char *)"gnuplot", (char *)gp_name, NULL};
        if (chdir(dir) != 0) _exit(126);
        devnull = open("/dev/null", O_RDWR);
        log = open("gnuplot.log", O_WRONLY | O_CREAT | O_APPEND, 0666);
        if (devnull < 0 || log < 0) _exit(126);
        if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(log, 2) < 0) _exit(126);
        execv(gnuplot, argv);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A non-empty regular file dir/name? */
static int have_file(const char *dir, const char *name)
{
    struct stat st;
    char *path = join_path(dir, name);
    int ok = path && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
    free(path);
    return ok;
}

static void remove_file(const char *dir, const char *name)
{
    char *path = join_path(dir, name);
    if (path) unlink(path);
    free(path);
}

/* Render into a memory buffer; 0 or -1 (out of memory). */
typedef void (*render_fn)(FILE *f, const refit_verify_figure *fig);
static int render_to(char **text, size_t *len, render_fn fn, const refit_verify_figure *fig)
{
    FILE *m = open_memstream(text, len);
    if (!m) return -1;
    fn(m, fig);
    return fclose(m) == 0 ? 0 : -1;
}

static void md_figures(FILE *f, const refit_verify_figures *figs, char (*drawn)[48],
                       int gnuplot_found)
{
    fputs("\n## Figures\n", f);
    if (!gnuplot_found)
        fputs("\ngnuplot was not found on PATH, so the figures are not drawn. Install it "
              "(Debian: `apt-get install gnuplot-nox`) and run `gnuplot <figure>.gp` inside this "
              "folder.\n", f);
    fputs("\nHow to read them: lines are exact values (closed forms); points, and the bars of "
          "the histogram, are Monte Carlo estimates, with error bars spanning their 95% "
          "intervals. An exact line and the Monte Carlo points of the same quantity share a "
          "colour; where a figure compares regimes, the colour is the regime and the quantity "
          "is told by the dash of the line and the shape of the point. Shaded bands are ranges "
          "between exact quantiles. The legend under each plot reads as a table.\n", f);
    for (size_t i = 0; i < figs->count; i++) {
        const refit_verify_figure *fig = &figs->figures[i];
        fprintf(f, "\n### Figure %zu: ", i + 1);
        md_text(f, fig->title);
        fputs("\n\n", f);
        if (drawn[i][0]) {
            fprintf(f, "![");
            md_text(f, fig->title);
            fprintf(f, "](%s)\n\n", drawn[i]);
        } else {
            fprintf(f, "*(not drawn: run `gnuplot %s.gp` in this folder)*\n\n", fig->id);
        }
        md_text(f, fig->caption);
        fprintf(f, "\n\nData: [`%s.dat`](%s.dat); script: [`%s.gp`](%s.gp).\n", fig->id, fig->id,
                fig->id, fig->id);
    }
}

int cli_verify_report_write(const char *prefix, const char *dir,
                            const refit_verify_result *result,
                            const refit_verify_config *config,
                            const refit_verify_figures *figures,
                            cli_verify_report_outcome *outcome)
{
    char gp_path[4096];
    const char *gnuplot = cli_verify_find_gnuplot(gp_path, sizeof gp_path);
    size_t count = figures ? figures->count : 0;
    char(*drawn)[48] = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *m;
    int rc = -1;

    outcome->drawn = 0;
    outcome->gnuplot_found = gnuplot != NULL;
    drawn = calloc(count ? count : 1, sizeof *drawn);
    if (!drawn) goto oom;
    remove_file(dir, "gnuplot.log");
    for (size_t i = 0; i < count; i++) {
        const refit_verify_figure *fig = &figures->figures[i];
        char name[48];
        if (!tame_stem(fig->id) || strlen(fig->id) > 30) {
            char buf[64];
            cli_error(prefix, "--report", "the library named a figure '%s'; expected letters, "
                      "digits, '-' and '_' only", cli_printable(buf, sizeof buf, fig->id));
            goto done;
        }
        snprintf(name, sizeof name, "%s.dat", fig->id);
        if (render_to(&text, &len, render_dat, fig) != 0) goto oom;
        if (write_file(prefix, dir, name, text, len) != 0) goto done;
        free(text);
        text = NULL;
        snprintf(name, sizeof name, "%s.gp", fig->id);
        if (render_to(&text, &len, render_gp, fig) != 0) goto oom;
        if (write_file(prefix, dir, name, text, len) != 0) goto done;
        free(text);
        text = NULL;
        /* A figure left by an earlier report must not pass for this one's. */
        snprintf(name, sizeof name, "%s.png", fig->id);
        remove_file(dir, name);
        snprintf(name, sizeof name, "%s.svg", fig->id);
        remove_file(dir, name);
        if (!gnuplot) continue;
        snprintf(name, sizeof name, "%s.gp", fig->id);
        if (run_gnuplot(gnuplot, dir, name) != 0) continue;
        snprintf(name, sizeof name, "%s.png", fig->id);
        if (!have_file(dir, name)) snprintf(name, sizeof name, "%s.svg", fig->id);
        if (have_file(dir, name)) {
            snprintf(drawn[i], sizeof drawn[i], "%s", name);
            outcome->drawn++;
        }
    }
    /* Keep gnuplot's messages only when it had something to say. */
    if (!have_file(dir, "gnuplot.log")) remove_file(dir, "gnuplot.log");

    m = open_memstream(&text, &len);
    if (!m) goto oom;
    print_markdown(m, result, config);
    if (figures) md_figures(m, figures, drawn, gnuplot != NULL);
    if (fclose(m) != 0) goto oom;
    if (write_file(prefix, dir, "report.md", text, len) != 0) goto done;
    rc = 0;
    goto done;
oom:
    cli_error(prefix, "--report", "out of memory");
done:
    free(text);
    free(drawn);
    return rc;
}
