/* refit CLI: result tables and their printers. */
#include "output.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int cli_table_init(cli_table *t, size_t ncols, const char *const *names, size_t nrows)
{
    size_t cells = ncols * nrows;
    memset(t, 0, sizeof *t);
    if (nrows != 0 && cells / nrows != ncols) return -1;
    t->names = calloc(ncols ? ncols : 1, sizeof *t->names);
    t->n = calloc(nrows ? nrows : 1, sizeof *t->n);
    t->values = calloc(cells ? cells : 1, sizeof *t->values);
    t->cells = calloc(cells ? cells : 1, sizeof *t->cells);
    if (!t->names || !t->n || !t->values || !t->cells) {
        cli_table_free(t);
        return -1;
    }
    t->ncols = ncols;
    t->nrows = nrows;
    for (size_t j = 0; j < ncols; j++) {
        t->names[j] = strdup(names[j]);
        if (!t->names[j]) {
            cli_table_free(t);
            return -1;
        }
    }
    return 0;
}

void cli_table_free(cli_table *t)
{
    if (t->names)
        for (size_t j = 0; j < t->ncols; j++) free(t->names[j]);
    free(t->names);
    free(t->n);
    free(t->values);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

int cli_table_has_out_of_range(const cli_table *t)
{
    for (size_t k = 0; k < t->ncols * t->nrows; k++)
        if (t->cells[k] == CLI_CELL_OUT_OF_RANGE) return 1;
    return 0;
}

const char *cli_format_double(char *buf, size_t size, double x)
{
    if (isnan(x))
        snprintf(buf, size, "nan");
    else if (isinf(x))
        snprintf(buf, size, x > 0 ? "inf" : "-inf");
    else
        /* -0 + 0 is +0: a signed zero carries no information here. */
        snprintf(buf, size, "%.17g", x == 0.0 ? 0.0 : x);
    return buf;
}

const char *cli_format_short(char *buf, size_t size, double x)
{
    if (!isfinite(x)) return cli_format_double(buf, size, x);
    /* Whole numbers in full (100, not 1e+02): sizes are whole numbers. */
    if (x == floor(x) && fabs(x) < 1e17) {
        snprintf(buf, size, "%.0f", x == 0.0 ? 0.0 : x);
        return buf;
    }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, x == 0.0 ? 0.0 : x);
        if (strtod(buf, NULL) == x) break;
    }
    return buf;
}

void cli_json_number(FILE *f, double x)
{
    char buf[40];
    if (!isfinite(x))
        fputs("null", f);
    else
        fputs(cli_format_double(buf, sizeof buf, x), f);
}

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", (unsigned)*p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* The text of one cell in the table and CSV formats: out_of_range for an
 * unrepresentable value, flags as yes/no ("true"/"false" or "1"/"0"). */
static const char *cell_text(char *buf, size_t size, const cli_table *t, size_t row, size_t col,
                             const char *out_of_range, const char *yes, const char *no)
{
    size_t k = row * t->ncols + col;
    if (t->cells[k] == CLI_CELL_OUT_OF_RANGE) return out_of_range;
    if (t->cells[k] == CLI_CELL_BOOL) return t->values[k] != 0.0 ? yes : no;
    return cli_format_double(buf, size, t->values[k]);
}

/* Transposed: one line per quantity, one column per n, because there are
 * many more quantities than a terminal has room for side by side. */
static void print_table(FILE *out, const cli_report *r)
{
    const cli_table *t = r->table;
    char buf[40];
    size_t label = 1; /* width of the first column: "n" or the longest name */
    size_t *width = calloc(t->nrows ? t->nrows : 1, sizeof *width);

    for (size_t j = 0; j < t->ncols; j++)
        if (strlen(t->names[j]) > label) label = strlen(t->names[j]);
    for (size_t i = 0; i < t->nrows; i++) {
        size_t w;
        snprintf(buf, sizeof buf, "%" PRIu64, t->n[i]);
        w = strlen(buf);
        for (size_t j = 0; j < t->ncols; j++) {
            size_t len =
                strlen(cell_text(buf, sizeof buf, t, i, j, "out-of-range", "true", "false"));
            if (len > w) w = len;
        }
        if (width) width[i] = w;
    }

    if (r->description) fprintf(out, "%s\n", r->description);
    fprintf(out, "%-*s", (int)label, "n");
    for (size_t i = 0; i < t->nrows; i++)
        fprintf(out, "  %*" PRIu64, width ? (int)width[i] : 24, t->n[i]);
    fputc('\n', out);
    for (size_t j = 0; j < t->ncols; j++) {
        fprintf(out, "%-*s", (int)label, t->names[j]);
        for (size_t i = 0; i < t->nrows; i++)
            fprintf(out, "  %*s", width ? (int)width[i] : 24,
                    cell_text(buf, sizeof buf, t, i, j, "out-of-range", "true", "false"));
        fputc('\n', out);
    }
    if (r->summary_text) fputs(r->summary_text, out);
    free(width);
}

static void print_csv(FILE *out, const cli_report *r)
{
    const cli_table *t = r->table;
    char buf[40];
    fputs("n", out);
    for (size_t j = 0; j < t->ncols; j++) fprintf(out, ",%s", t->names[j]);
    fputc('\n', out);
    for (size_t i = 0; i < t->nrows; i++) {
        fprintf(out, "%" PRIu64, t->n[i]);
        for (size_t j = 0; j < t->ncols; j++)
            fprintf(out, ",%s", cell_text(buf, sizeof buf, t, i, j, "", "1", "0"));
        fputc('\n', out);
    }
}

static void print_json(FILE *out, const cli_report *r)
{
    const cli_table *t = r->table;
    fputs("{\"command\": ", out);
    cli_json_string(out, r->command);
    fprintf(out, ",\n \"params\": %s,\n \"rows\": [", r->params_json ? r->params_json : "{}");
    for (size_t i = 0; i < t->nrows; i++) {
        fprintf(out, "%s\n  {\"n\": %" PRIu64, i ? "," : "", t->n[i]);
        for (size_t j = 0; j < t->ncols; j++) {
            size_t k = i * t->ncols + j;
            fputs(", ", out);
            cli_json_string(out, t->names[j]);
            fputs(": ", out);
            if (t->cells[k] == CLI_CELL_OUT_OF_RANGE)
                fputs("null", out);
            else if (t->cells[k] == CLI_CELL_BOOL)
                fputs(t->values[k] != 0.0 ? "true" : "false", out);
            else
                cli_json_number(out, t->values[k]);
        }
        fputc('}', out);
    }
    fputs(t->nrows ? "\n ]" : "]", out);
    if (r->summary_json) fprintf(out, ",\n \"summary\": %s", r->summary_json);
    fputs("}\n", out);
}

int cli_print_report(FILE *out, const cli_report *report, cli_format format)
{
    switch (format) {
    case CLI_FORMAT_TABLE: print_table(out, report); break;
    case CLI_FORMAT_CSV: print_csv(out, report); break;
    case CLI_FORMAT_JSON: print_json(out, report); break;
    }
    if (fflush(out) != 0 || ferror(out)) return -1;
    return 0;
}
