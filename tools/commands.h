/*
 * tools/commands.h
 *    The subcommands of the pgwire command.  Each takes the arguments after
 *    the subcommand word (argv[0] is the subcommand name, as for a main())
 *    and returns the process exit status: 0 success, 1 the input had errors
 *    (the output still holds everything that could be decoded), 2 usage or
 *    system errors.
 *
 * cmd_connect and cmd_serve live in connect.c and serve.c, written
 * separately; pgwire.c refers to them weakly so the command builds without
 * them.
 */
#ifndef PGWIRE_TOOLS_COMMANDS_H
#define PGWIRE_TOOLS_COMMANDS_H

/* pgwire decode: bytes in, JSON Lines / trace / byte map out (decode.c). */
int			cmd_decode(int argc, char **argv);

/* pgwire encode: JSON Lines in, bytes out (encode.c). */
int			cmd_encode(int argc, char **argv);

/* pgwire proxy: a transparent tracing proxy (proxy.c). */
int			cmd_proxy(int argc, char **argv);

/* pgwire connect: a minimal client (connect.c). */
int			cmd_connect(int argc, char **argv);

/* pgwire serve: a minimal server (serve.c). */
int			cmd_serve(int argc, char **argv);

#endif							/* PGWIRE_TOOLS_COMMANDS_H */
