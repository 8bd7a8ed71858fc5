/*
 * test/clients/conv_check.c
 *    Decode one saved connection (the two files test/lib/relay.py writes,
 *    N.frontend and N.backend) with pgwire_conversation and print every
 *    item, so a suite can check real captures.
 *
 *    conv_check FRONTEND_FILE BACKEND_FILE [ORDER_FILE]
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
 * With ORDER_FILE (relay.py --order: "F|B OFFSET LENGTH" per chunk in the
 * order the relay received them), the conversation order is held against
 * the real one: an item placed after an item of the other direction whose
 * first byte arrived only after this item's last byte is an inversion.
 * "order: N inversions in M items" is printed (the exit status does not
 * depend on it: copy-both streams have no turn-taking to follow).
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

/* The chunks of one direction in arrival order: offsets and sequence. */
typedef struct chunks
{
	size_t		n;
	uint64_t   *offset;			/* ascending */
	long	   *seq;			/* arrival rank among both directions */
} chunks;

static int
read_order(const char *path, chunks *ch)
{
	FILE	   *f = fopen(path, "r");
	char		side;
	unsigned long long off;
	unsigned long long len;
	long		seq = 0;
	size_t		cap[2] = {0, 0};

	if (f == NULL)
	{
		perror(path);
		return -1;
	}
	while (fscanf(f, " %c %llu %llu", &side, &off, &len) == 3)
	{
		chunks	   *c = &ch[side == 'B'];
		size_t	   *cp = &cap[side == 'B'];

		if (c->n == *cp)
		{
			*cp = *cp ? *cp * 2 : 256;
			c->offset = realloc(c->offset, *cp * sizeof(uint64_t));
			c->seq = realloc(c->seq, *cp * sizeof(long));
			if (c->offset == NULL || c->seq == NULL)
				abort();
		}
		c->offset[c->n] = off;
		c->seq[c->n] = seq++;
		c->n++;
	}
	fclose(f);
	return 0;
}

/* Arrival rank of the chunk holding byte off (-1 when none does). */
static long
seq_of(const chunks *c, uint64_t off)
{
	size_t		lo = 0,
				hi = c->n;

	if (c->n == 0 || off < c->offset[0])
		return -1;
	while (hi - lo > 1)
	{
		size_t		mid = (lo + hi) / 2;

		if (c->offset[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return c->seq[lo];
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
	chunks		order[2] = {{0}, {0}};
	int			with_order = argc == 4;
	long		latest_first[2] = {-1, -1};	/* per direction, so far */
	long		inversions = 0;
	long		items = 0;

	if (argc != 3 && argc != 4)
	{
		fprintf(stderr, "usage: conv_check FRONTEND_FILE BACKEND_FILE [ORDER_FILE]\n");
		return 3;
	}
	if (with_order && read_order(argv[3], order) < 0)
		return 3;
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
		items++;
		if (with_order && m.frame.raw_len > 0)
		{
			long		first = seq_of(&order[d], m.frame.offset);
			long		last = seq_of(&order[d], m.frame.offset + m.frame.raw_len - 1);

			/* placed after bytes of the other side that came after it all */
			if (last < latest_first[!d])
			{
				if (inversions++ == 0)
					printf("# first inversion: this item arrived before the last "
						   "%s item placed ahead of it\n", d ? "frontend" : "backend");
			}
			if (first > latest_first[d])
				latest_first[d] = first;
		}
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
	if (with_order)
	{
		printf("order: %ld inversions in %ld items\n", inversions, items);
	}
	free(order[0].offset);
	free(order[0].seq);
	free(order[1].offset);
	free(order[1].seq);
	pgwire_conversation_free(c);
	free(in[0]);
	free(in[1]);
	return lost ? 2 : bad_items ? 1 : 0;
}
