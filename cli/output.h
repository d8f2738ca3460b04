/* refit CLI: a result table (one row per n, one column per named quantity)
 * and its printers: a transposed human-readable table, CSV and JSON.
 *
 * Commands compute the whole table first and print it afterwards, so a
 * failure never leaves half an output on stdout.
 */
#ifndef REFIT_CLI_OUTPUT_H
#define REFIT_CLI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cli_format { CLI_FORMAT_TABLE = 0, CLI_FORMAT_CSV, CLI_FORMAT_JSON } cli_format;

/* What a cell holds. */
typedef enum cli_cell {
    CLI_CELL_VALUE = 0,       /* a double (may be -inf, e.g. ln 0) */
    CLI_CELL_OUT_OF_RANGE = 1, /* not representable as a double */
    CLI_CELL_BOOL = 2          /* a flag, value 0 or 1: table true/false, csv 1/0, json
                                  true/false */
} cli_cell;

typedef struct cli_table {
    size_t ncols, nrows;
    char **names;          /* ncols column names (owned) */
    uint64_t *n;           /* nrows row keys: the generation */
    double *values;        /* nrows * ncols, row-major */
    unsigned char *cells;  /* nrows * ncols cli_cell values */
} cli_table;

/* Allocate a table with owned copies of the names; 0 or -1 (out of memory). */
int cli_table_init(cli_table *t, size_t ncols, const char *const *names, size_t nrows);
void cli_table_free(cli_table *t);
/* 1 if any cell is CLI_CELL_OUT_OF_RANGE. */
int cli_table_has_out_of_range(const cli_table *t);

/* Everything a command prints. The strings are pre-rendered by the command. */
typedef struct cli_report {
    const char *command;      /* "theory" */
    const char *description;  /* table: one line printed above the table (no newline) */
    const char *params_json;  /* JSON object text for "params" */
    const cli_table *table;
    const char *summary_text; /* table: lines printed after it, or NULL */
    const char *summary_json; /* JSON object text for "summary", or NULL */
} cli_report;

/* Print the report to `out`; 0, or -1 if writing failed. */
int cli_print_report(FILE *out, const cli_report *report, cli_format format);

/* %.17g, with -0 printed as 0 and non-finite values as nan, inf, -inf.
 * buf must hold at least 32 bytes. */
const char *cli_format_double(char *buf, size_t size, double x);
/* The shortest %.Ng (N <= 17) that reads back as x: for echoing the
 * user's parameters in human-readable text (0.3, not 0.29999999999999999). */
const char *cli_format_short(char *buf, size_t size, double x);
/* A JSON number (%.17g), or null when not finite. */
void cli_json_number(FILE *f, double x);
/* A JSON string literal with the required escapes. */
void cli_json_string(FILE *f, const char *s);

#endif /* REFIT_CLI_OUTPUT_H */
