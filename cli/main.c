/* refit: the command-line tool.  main() only dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "refit/version.h"

static const char usage[] =
    "usage: refit <command> [options]\n"
    "\n"
    "Model collapse of recursively refitted Gaussians: exact closed forms and Monte Carlo.\n"
    "\n"
    "commands:\n"
    "  theory     closed-form moments after n refits (see 'refit theory --help')\n"
    "  simulate   Monte Carlo chains with error bars (see 'refit simulate --help')\n"
    "  verify     theorem checks with verdicts (see 'refit verify --help')\n"
    "  bench      benchmarks (not implemented yet)\n"
    "\n"
    "options:\n"
    "  --help, -h   print this help and exit\n"
    "  --version    print the version and exit\n"
    "\n"
    "Exit status: 0 success, 2 bad input (one line on stderr), 1 other failure.\n";

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv); /* NULL: not implemented yet */
} command;

static const command commands[] = {
    {"theory", cli_cmd_theory},
    {"simulate", cli_cmd_simulate},
    {"verify", cli_cmd_verify},
    {"bench", NULL},
};

static int print_stdout(const char *text)
{
    fputs(text, stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "refit: error writing to standard output\n");
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    char buf[96];
    const char *cmd;
    if (argc < 2) {
        fprintf(stderr, "refit: missing command; expected theory, simulate, verify or bench "
                        "(see refit --help)\n");
        return CLI_EXIT_USAGE;
    }
    cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
        return print_stdout(usage);
    if (strcmp(cmd, "--version") == 0) return print_stdout("refit " REFIT_VERSION_STRING "\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) != 0) continue;
        if (!commands[i].run) {
            fprintf(stderr, "refit: '%s' is not implemented yet\n", cmd);
            return CLI_EXIT_USAGE;
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "refit: '%s' is not a refit command; expected theory, simulate, verify or "
                    "bench (see refit --help)\n", cli_printable(buf, sizeof buf, cmd));
    return CLI_EXIT_USAGE;
}
