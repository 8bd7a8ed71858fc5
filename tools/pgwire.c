/*
 * tools/pgwire.c
 *    main() of the pgwire command: picks the subcommand and hands it the
 *    remaining arguments.
 *
 * connect and serve are written in separate files (connect.c, serve.c)
 * that may not exist yet in a given checkout; they are referenced weakly,
 * so the command links without them and says so when asked for them.
 */
#include <stdio.h>
#include <string.h>

#include "pgwire/pgwire.h"
#include "commands.h"
#include "util.h"

#pragma weak cmd_connect
#pragma weak cmd_serve

typedef struct subcommand
{
	const char *name;
	int			(*fn) (int argc, char **argv);
	const char *summary;
} subcommand;

static void
usage(FILE *f)
{
	fprintf(f,
			"pgwire %s: PostgreSQL frontend/backend protocol tool\n"
			"\n"
			"Usage: pgwire COMMAND [OPTION...]\n"
			"\n"
			"Commands:\n"
			"  decode   bytes to JSON Lines, PQtrace lines or byte maps\n"
			"  encode   JSON Lines back to bytes\n"
			"  proxy    transparent tracing proxy between a client and a server\n"
			"  connect  minimal client\n"
			"  serve    minimal server\n"
			"\n"
			"\"pgwire COMMAND --help\" describes a command's options.\n",
			PGWIRE_VERSION_STRING);
}

int
main(int argc, char **argv)
{
	const subcommand cmds[] = {
		{"decode", cmd_decode, NULL},
		{"encode", cmd_encode, NULL},
		{"proxy", cmd_proxy, NULL},
		{"connect", cmd_connect, NULL},
		{"serve", cmd_serve, NULL},
	};

	if (argc < 2)
	{
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
		strcmp(argv[1], "help") == 0)
	{
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
	{
		printf("pgwire %s\n", PGWIRE_VERSION_STRING);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
	{
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		if (cmds[i].fn == NULL)
		{
			tool_err("command \"%s\" is not built into this pgwire", argv[1]);
			return EXIT_USAGE;
		}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	tool_err("unknown command \"%s\"", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
