/* refit CLI: the subcommands.  Each takes the arguments after the command
 * name (argv[0] is the command name itself) and returns the exit status. */
#ifndef REFIT_CLI_COMMANDS_H
#define REFIT_CLI_COMMANDS_H

int cli_cmd_theory(int argc, char **argv);
int cli_cmd_simulate(int argc, char **argv);
int cli_cmd_verify(int argc, char **argv);

#endif /* REFIT_CLI_COMMANDS_H */
