/* refit CLI: the printers of `refit verify` (table, JSON, Markdown) and its
 * --report folder (report.md, one .dat, .gp and drawn figure per figure).
 *
 * The printers write to a FILE the caller owns (cmd_verify.c renders into
 * memory and copies to stdout only when everything is ready).  Nothing in
 * the output depends on the thread count, the ISA or the timing, so two runs
 * with the same options print the same bytes.
 */
#ifndef REFIT_CLI_VERIFY_REPORT_H
#define REFIT_CLI_VERIFY_REPORT_H

#include <stdio.h>

#include "refit/verify.h"

typedef enum cli_verify_format {
    CLI_VERIFY_TABLE = 0,
    CLI_VERIFY_JSON = 1,
    CLI_VERIFY_MARKDOWN = 2
} cli_verify_format;

/* The width the table format keeps to. */
#define CLI_VERIFY_WIDTH 100

/* "quick", "default", "full". */
const char *cli_verify_level_name(refit_verify_level level);

/* Print the whole result in one format; 0, or -1 if writing failed. */
int cli_verify_print(FILE *out, const refit_verify_result *result,
                     const refit_verify_config *config, cli_verify_format format);

/* --report DIR, before any work: create DIR and its missing parents (mkdir -p)
 * and check that it is a writable folder.  0, or -1 after one line on stderr
 * (bad input: DIR names a file, or cannot be created). */
int cli_verify_report_prepare(const char *prefix, const char *dir);

/* The absolute path of gnuplot found on PATH, in buf; NULL if none. */
const char *cli_verify_find_gnuplot(char *buf, size_t size);

typedef struct cli_verify_report_outcome {
    size_t drawn;    /* figures gnuplot turned into .png or .svg */
    int gnuplot_found;
} cli_verify_report_outcome;

/* Write DIR/<figure>.dat and DIR/<figure>.gp for every figure, run gnuplot
 * on each (in DIR) when found on PATH, then DIR/report.md: the Markdown output
 * and a figures section that links what was drawn.  figures may be NULL (no
 * figures section).  0, or -1 after one line on stderr (a file could not be
 * written).  A missing or failing gnuplot is not an error here: the outcome
 * says what was drawn and the caller warns. */
int cli_verify_report_write(const char *prefix, const char *dir,
                            const refit_verify_result *result,
                            const refit_verify_config *config,
                            const refit_verify_figures *figures,
                            cli_verify_report_outcome *outcome);

#endif /* REFIT_CLI_VERIFY_REPORT_H */
