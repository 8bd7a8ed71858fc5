/*
 * tools/fatal.c
 *    A FATAL ErrorResponse built with libpgwire's encoder (see fatal.h).
 */
#include "fatal.h"

int
tool_fatal_response(pgwire_buf *b, const char *sqlstate, const char *message)
{
	pgwire_writer w;

	pgwire_msg_begin(&w, b, 'E', PGWIRE_BACKEND, NULL);
	pgwire_put_byte1(&w, 'S');
	pgwire_put_cstring(&w, "FATAL");
	pgwire_put_byte1(&w, 'V');
	pgwire_put_cstring(&w, "FATAL");
	pgwire_put_byte1(&w, 'C');
	pgwire_put_cstring(&w, sqlstate);
	pgwire_put_byte1(&w, 'M');
	pgwire_put_cstring(&w, message);
	pgwire_put_byte1(&w, 0);
	return pgwire_msg_end(&w);
}
