/*
 * fuzz/fuzz_conversation.c
 *    libFuzzer target: the input split in two (the first two bytes give
 *    the frontend stream's length) is one connection's frontend and
 *    backend streams; pgwire_conversation orders and decodes them with
 *    the session's context.  Every decoded message must encode back to its
 *    bytes, from its JSON too (with the payloads and relation-cache keys
 *    the session added), its byte map must not fail, and the conversation
 *    must end with PGWIRE_DONE.  Seeds include pg_recvlogical's pgoutput
 *    session saved by test/suites/75-replication-proxy.
 */
#include "common.h"
#include "pgwire/render.h"
#include "pgwire/session.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * What the session decoded, rendered as the proxy renders it: the JSON,
 * nested payloads and relation keys included, encodes back to the frame;
 * the byte map and the trace line do not fail.
 */
static void
check_rendered(const pgwire_msg *m)
{
	pgwire_buf	j,
				back,
				text;
	pgwire_error err;

	pgwire_buf_init(&j, NULL);
	pgwire_buf_init(&back, NULL);
	pgwire_buf_init(&text, NULL);
	if (pgwire_json_write(m, &j, 0) != PGWIRE_OK)
		fuzz_fail("JSON of a session message failed", m);
	if (pgwire_json_encode((const char *) j.data, j.len, &back, &err) != PGWIRE_OK ||
		back.len != m->frame.raw_len || memcmp(back.data, m->frame.raw, back.len) != 0)
	{
		fprintf(stderr, "pgwire fuzz: %.*s\n%s\n", (int) j.len, (const char *) j.data,
				err.detail);
		fuzz_fail("JSON of a session message does not encode back to it", m);
	}
	if (pgwire_explain_write(m, &text) != PGWIRE_OK)
		fuzz_fail("byte map of a session message failed", m);
	pgwire_buf_free(&j);
	pgwire_buf_free(&back);
	pgwire_buf_free(&text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgwire_conversation *c;
	size_t		flen;
	size_t		total = 0;
	size_t		per_dir[2] = {0, 0};
	int			rc;

	if (size < 2)
		return 0;
	flen = ((size_t) data[0] << 8 | data[1]) % (size - 1);
	c = pgwire_conversation_create(data + 2, flen, data + 2 + flen, size - 2 - flen, NULL, NULL);
	if (c == NULL)
		return 0;
	for (;;)
	{
		pgwire_msg	m;
		pgwire_error err;

		rc = pgwire_conversation_next(c, &m, &err);
		if (rc == PGWIRE_DONE)
		{
			/* conversation.c: every input byte comes out exactly once */
			if (per_dir[PGWIRE_FRONTEND] != flen || per_dir[PGWIRE_BACKEND] != size - 2 - flen)
			{
				fprintf(stderr, "pgwire fuzz: conversation gave %zu+%zu bytes of %zu+%zu\n",
						per_dir[0], per_dir[1], flen, size - 2 - flen);
				abort();
			}
			break;
		}
		if (rc == PGWIRE_OK)
		{
			fuzz_check_msg(&m);
			fuzz_check_payloads(&m);
			check_rendered(&m);
		}
		/* every call hands out at least one byte, so this must end */
		total += m.frame.raw_len;
		if (m.frame.direction == PGWIRE_FRONTEND || m.frame.direction == PGWIRE_BACKEND)
			per_dir[m.frame.direction] += m.frame.raw_len;
		if (m.frame.raw_len == 0 || total > size)
		{
			fprintf(stderr, "pgwire fuzz: conversation_next returned %s with %zu bytes\n",
					pgwire_status_name(rc), m.frame.raw_len);
			abort();
		}
		(void) pgwire_conversation_state(c);
	}
	pgwire_conversation_free(c);
	return 0;
}
