/* refit CLI: strict parsing of numbers, lists and the model options every
 * subcommand shares, and the one-line error messages.
 *
 * Contract: a parser either succeeds silently or prints exactly one line
 * to stderr ("<prefix>: <option>: <what is wrong>; expected <range>") and
 * returns -1.  Nothing here writes to stdout.
 */
#ifndef REFIT_CLI_OPTIONS_H
#define REFIT_CLI_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "refit/kernels.h"
#include "refit/model.h"

/* Exit statuses: bad input or a model outside the domain is 2 (usage);
 * a failure of the machine (memory, writing the output) is 1. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

#define CLI_SIZE_MAX_TEXT "9007199254740992"
#define CLI_EXPECT_SIZE "a whole number from 2 to " CLI_SIZE_MAX_TEXT

#if defined(__GNUC__) || defined(__clang__)
#define CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLI_PRINTF(f, a)
#endif

/* "<prefix>: <option>: <message>\n" on stderr. */
void cli_error(const char *prefix, const char *option, const char *fmt, ...) CLI_PRINTF(3, 4);
/* "<prefix>: <option>: got '<value>'; expected <expected>\n" on stderr,
 * with the value made printable and shortened so the message stays one line. */
void cli_bad_value(const char *prefix, const char *option, const char *value,
                   const char *expected);
/* Copy `s` into buf (size >= 16) with control and non-ASCII bytes escaped
 * as \xHH and long strings cut with "...". Returns buf. */
const char *cli_printable(char *buf, size_t size, const char *s);

/* ---- strict scalar parsers: 0 on success, -1 on any defect (no printing) */

/* A finite decimal number: digits, '.', 'e', sign only (no hex, inf, nan,
 * blanks), fully consumed, within double range (no overflow/underflow). */
int cli_parse_double(const char *s, double *out);
/* A whole number written with digits only, 0 .. UINT64_MAX. */
int cli_parse_u64(const char *s, uint64_t *out);
/* A sample size: a whole number (digits only) from 2 to 2^53. */
int cli_parse_size(const char *s, double *out);

/* Strip a '#' comment, surrounding blanks and the line end in place (as the
 * list files are read); returns the start of what is left. */
char *cli_trim_line(char *line);

/* Split "a,b,c" into malloc'd copies; an empty item is an error (-1). */
int cli_split_list(const char *s, char ***items, size_t *count);
void cli_free_list(char **items, size_t count);

/* An option given twice: 0 the first time (sets *flag), -1 after printing
 * "<prefix>: <name>: given more than once; ...". */
int cli_once(const char *prefix, int *flag, const char *name);

/* "--at N1,N2,...": whole numbers 0..max (malloc'd into *at); with
 * strictly_increasing, an unsorted or repeated list is refused (named by
 * the two values).  0 or -1 (printed, naming option). */
int cli_parse_generations(const char *prefix, const char *option, const char *value,
                          const char *expected, uint64_t max, int strictly_increasing,
                          uint64_t **at, size_t *count);

/* "--quantiles P1,...": distinct numbers 0 < P < 1, at most max_count; the
 * texts as typed (they name columns: *texts, free with cli_free_list) and
 * the values (*values, malloc'd).  0 or -1 (printed). */
int cli_parse_probabilities(const char *prefix, const char *option, const char *value,
                            const char *expected, size_t max_count, char ***texts,
                            double **values, size_t *count);

/* --threads T: a whole number from 1 to CLI_THREADS_MAX.  0, or -1 (printed). */
#define CLI_THREADS_MAX 1024
#define CLI_EXPECT_THREADS "a whole number from 1 to 1024"
int cli_parse_threads(const char *prefix, const char *option, const char *value, int *out);

/* The kernels' ISA: REFIT_ISA if set, else the best this CPU runs.  0, or
 * -1 after printing "<prefix>: REFIT_ISA: got '...': ...". */
int cli_select_isa(const char *prefix, refit_isa *isa);

/* fclose an open_memstream (which may fail to grow its buffer); NULL is
 * fine.  Returns 1 if closing failed. */
int cli_close_stream(FILE **f);

/* ---- the generic option loop ------------------------------------------ */

typedef struct cli_option_spec {
    const char *name;     /* "--M" */
    int takes_value;      /* 1: "--M 5" or "--M=5"; 0: a flag */
    const char *expected; /* the accepted values, for messages */
} cli_option_spec;

typedef struct cli_args {
    int argc;
    char **argv;
    int next;            /* index of the next argument to read */
    const char *prefix;  /* "refit theory", for messages */
    /* NULL-terminated array of spec arrays, each ending with a NULL name,
     * so commands combine cli_model_option_specs with their own. */
    const cli_option_spec *const *spec_sets;
    char name_buf[64];
} cli_args;

/* Read the next option.  Returns 1 with *spec (the matched entry) and
 * *value (NULL for flags), 0 when the arguments are exhausted, -1 after
 * printing an error (unknown option, positional argument, missing value,
 * a value given to a flag). */
int cli_next_option(cli_args *args, const cli_option_spec **spec, const char **value);

/* ---- the model options shared by theory, simulate, ... ----------------- */

/* The options, with the text the user typed kept for messages and output. */
typedef struct cli_model_opts {
    refit_model model;
    int have_M, have_schedule, have_estimator, have_regime, have_mu, have_sigma;
    char *list_file; /* LIST: the file name (owned) */
    double *sizes;   /* LIST: the sizes read (owned); model.schedule.sizes borrows it */
    size_t count;
} cli_model_opts;

/* The specs of the model options, for a command's own table. */
extern const cli_option_spec cli_model_option_specs[];
#define CLI_MODEL_OPTION_COUNT 6

void cli_model_opts_init(cli_model_opts *opts);
void cli_model_opts_free(cli_model_opts *opts);
/* 1 if `name` is a model option. */
int cli_is_model_option(const char *name);
/* Parse one model option; 0 or -1 (printed). */
int cli_model_option(cli_model_opts *opts, const char *prefix, const char *name,
                     const char *value);
/* Cross-option checks once all options are read; 0 or -1 (printed). */
int cli_model_finish(cli_model_opts *opts, const char *prefix);

/* The smallest sample size any generation draws (sizes never decrease
 * under POLY with alpha >= 0). */
double cli_model_min_size(const cli_model_opts *opts);

/* The schedule as the user would type it, e.g. "poly:10,1.5" (list: the
 * file name, made printable). */
void cli_schedule_text(FILE *f, const refit_schedule *s, const char *list_file);
/* "schedule const:100, estimator unbiased, regime replace, mu 0, sigma 1" */
void cli_model_describe(FILE *f, const cli_model_opts *opts);
/* The model as JSON members (no braces): "schedule": {...}, "estimator": ... */
void cli_model_json_members(FILE *f, const cli_model_opts *opts);

const char *cli_estimator_name(refit_estimator e);
const char *cli_regime_name(refit_regime r);

#endif /* REFIT_CLI_OPTIONS_H */
