/*
 * test/clients/conv_check.c
 *    Decode one saved connection (the two files test/lib/relay.py writes,
 *    N.frontend and N.backend) with pgwire_conversation and print every
 *    item, so a suite can check real captures.
 *
 *    conv_check FRONTEND_FILE BACKEND_FILE
 *
 * One line per item, in conversation order:
 *   F:Name            a frontend message ('B:' backend), then for some
 *                     messages the fields a test checks: "salt=<hex>"
 *                     (AuthenticationMD5Password), "password=<text>"
 *                     (PasswordMessage), "mechanism=<m> data=<text>"
 *                     (SASLInitialResponse), "data=<text>" (SASLResponse,
 *                     AuthenticationSASLContinue/Final), "answer=<c>"
 *                     (SSLResponse, GSSENCResponse), "status=<c>"
 *                     (ReadyForQuery), "inferred" when the kind was guessed
 *   F!STATUS detail   an error and the bytes it covers
 *   F#N               N encrypted bytes
 *   F~N               an incomplete tail of N bytes
 * then "state: ..." and "bytes: frontend A/A backend B/B".
 *
 * Exit status: 0 when every byte of both files came out exactly once, in
 * order, and no item was an error or a tail; 1 when some item was; 2 when
 * bytes were lost, repeated or reordered; 3 on usage or I/O errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/pgwire.h"

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *buf = NULL;
	size_t		cap = 0;
	size_t		n;

	*len = 0;
	if (f == NULL)
	{
		perror(path);
		return NULL;
	}
	for (;;)
	{
		if (*len == cap)
		{
			uint8_t    *p = realloc(buf, cap ? cap * 2 : 65536);

			if (p == NULL)
			{
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
			cap = cap ? cap * 2 : 65536;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	return buf;
}

/* Text with non-printable bytes as \xNN. */
static void
print_text(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
}

static void
print_fields(const pgwire_msg *m)
{
	switch (m->kind)
	{
		case PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD:
			printf(" salt=");
			for (size_t i = 0; i < m->u.authentication_md5_password.salt.len; i++)
				printf("%02x", m->u.authentication_md5_password.salt.ptr[i]);
			break;
		case PGWIRE_MSG_PASSWORD_MESSAGE:
			printf(" password=");
			print_text(m->u.password_message.password.ptr,
					   m->u.password_message.password.len);
			break;
		case PGWIRE_MSG_SASL_INITIAL_RESPONSE:
			printf(" mechanism=");
			print_text(m->u.sasl_initial_response.mechanism.ptr,
					   m->u.sasl_initial_response.mechanism.len);
			printf(" data=");
			if (m->u.sasl_initial_response.data.len >= 0)
				print_text(m->u.sasl_initial_response.data.ptr,
						   (size_t) m->u.sasl_initial_response.data.len);
			break;
		case PGWIRE_MSG_SASL_RESPONSE:
			printf(" data=");
			print_text(m->u.sasl_response.data.ptr, m->u.sasl_response.data.len);
			break;
		case PGWIRE_MSG_AUTHENTICATION_SASL_CONTINUE:
		case PGWIRE_MSG_AUTHENTICATION_SASL_FINAL:
			printf(" data=");
			print_text(m->u.authentication_continue.data.ptr,
					   m->u.authentication_continue.data.len);
			break;
		case PGWIRE_MSG_SSL_RESPONSE:
		case PGWIRE_MSG_GSSENC_RESPONSE:
			printf(" answer=%c", m->u.encryption_response.response);
			break;
		case PGWIRE_MSG_READY_FOR_QUERY:
			printf(" status=%c", m->u.ready_for_query.status);
			break;
		default:
			break;
	}
	if (m->inferred)
		printf(" inferred");
}

int
main(int argc, char **argv)
{
	uint8_t    *in[2];
	size_t		len[2];
	uint64_t	next[2] = {0, 0};
	pgwire_conversation *c;
	const pgwire_session_state *st;
	pgwire_msg	m;
	pgwire_error err;
	int			rc;
	int			bad_items = 0;
	int			lost = 0;

	if (argc != 3)
	{
		fprintf(stderr, "usage: conv_check FRONTEND_FILE BACKEND_FILE\n");
		return 3;
	}
	in[0] = slurp(argv[1], &len[0]);
	in[1] = slurp(argv[2], &len[1]);
	if (in[0] == NULL || in[1] == NULL)
		return 3;
	c = pgwire_conversation_create(in[0], len[0], in[1], len[1], NULL, NULL);
	if (c == NULL)
	{
		fprintf(stderr, "conv_check: out of memory\n");
		return 3;
	}
	while ((rc = pgwire_conversation_next(c, &m, &err)) != PGWIRE_DONE)
	{
		int			d = m.frame.direction;
		char		side = d == PGWIRE_FRONTEND ? 'F' : 'B';

		if (m.frame.offset != next[d] || m.frame.offset + m.frame.raw_len > len[d] ||
			memcmp(m.frame.raw, in[d] + m.frame.offset, m.frame.raw_len) != 0)
			lost = 1;
		next[d] = m.frame.offset + m.frame.raw_len;
		if (rc == PGWIRE_OK)
		{
			printf("%c:%s", side, pgwire_msg_name(m.kind));
			print_fields(&m);
		}
		else if (rc == PGWIRE_ERR_ENCRYPTED)
			printf("%c#%zu", side, m.frame.raw_len);
		else if (rc == PGWIRE_INCOMPLETE)
		{
			printf("%c~%zu", side, m.frame.raw_len);
			bad_items++;
		}
		else
		{
			printf("%c!%s %s (offset %zu, %zu bytes)", side, pgwire_status_name(rc),
				   err.detail, err.offset, m.frame.raw_len);
			bad_items++;
		}
		putchar('\n');
		if (rc == PGWIRE_ERR_NOMEM)
			break;
	}
	st = pgwire_conversation_state(c);
	printf("state: requested=%u.%u protocol=%u.%u encrypted=%d authenticated=%d "
		   "transaction=%c replication=%d cancel=%d copy=%d\n",
		   st->requested_version >> 16, st->requested_version & 0xffff,
		   st->protocol_version >> 16, st->protocol_version & 0xffff,
		   st->encrypted, st->authenticated,
		   st->transaction_status ? st->transaction_status : '-',
		   st->replication, st->cancel, st->copy_mode);
	printf("bytes: frontend %llu/%zu backend %llu/%zu\n",
		   (unsigned long long) next[0], len[0], (unsigned long long) next[1], len[1]);
	if (next[0] != len[0] || next[1] != len[1])
		lost = 1;
	pgwire_conversation_free(c);
	free(in[0]);
	free(in[1]);
	return lost ? 2 : bad_items ? 1 : 0;
}
