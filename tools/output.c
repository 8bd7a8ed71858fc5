/*
 * tools/output.c
 *    The three output formats of pgwire decode and pgwire proxy (see
 *    output.h).  The message renderers are libpgwire's (render.h); this file
 *    adds the line framing, offsets, and the text forms of raw records that
 *    the library leaves to the caller.
 */
#include <inttypes.h>
#include <string.h>

#include "output.h"
#include "util.h"

int
out_parse_format(const char *s)
{
	if (strcmp(s, "json") == 0)
		return OUT_JSON;
	if (strcmp(s, "trace") == 0)
		return OUT_TRACE;
	if (strcmp(s, "explain") == 0)
		return OUT_EXPLAIN;
	return -1;
}

static void
ensure_newline(pgwire_buf *out, size_t start)
{
	if (out->status == PGWIRE_OK && out->len > start && out->data[out->len - 1] != '\n')
		pgwire_buf_puts(out, "\n");
}

int
out_message(const out_opts *o, const pgwire_msg *m, int64_t timestamp_us,
			pgwire_buf *out)
{
	size_t		start = out->len;
	int			rc;

	switch (o->format)
	{
		case OUT_JSON:
			rc = pgwire_json_write(m, out, o->offsets ? PGWIRE_JSON_OFFSET : 0);
			if (rc == PGWIRE_OK)
				pgwire_buf_puts(out, "\n");
			break;
		case OUT_TRACE:
			{
				unsigned	flags = 0;

				if (o->offsets)
					pgwire_buf_printf(out, "%" PRIu64 "\t", m->frame.offset);
				if (!o->timestamps)
					flags |= PGWIRE_TRACE_SUPPRESS_TIMESTAMPS;
				if (o->regress)
					flags |= PGWIRE_TRACE_REGRESS_MODE;
				rc = pgwire_trace_write(m, out, flags, timestamp_us);
				ensure_newline(out, start);
				break;
			}
		case OUT_EXPLAIN:
		default:
			pgwire_buf_printf(out, "# %s %s, offset %" PRIu64 ", %zu bytes%s\n",
							  tool_direction_name(m->frame.direction),
							  pgwire_msg_name(m->kind), m->frame.offset,
							  m->frame.raw_len,
							  m->inferred ? " (kind inferred from one direction)" : "");
			rc = pgwire_explain_write(m, out);
			ensure_newline(out, start);
			pgwire_buf_puts(out, "\n");
			break;
	}
	return rc != PGWIRE_OK ? rc : out->status;
}

/* Text form of raw bytes: a short hex preview, enough to recognise them. */
static void
hex_preview(pgwire_buf *out, const uint8_t *data, size_t len, size_t max)
{
	for (size_t i = 0; i < len && i < max; i++)
		pgwire_buf_printf(out, "%s%02x", i ? " " : "", data[i]);
	if (len > max)
		pgwire_buf_puts(out, " ...");
}

static void
error_text(pgwire_buf *out, const pgwire_error *err)
{
	if (err == NULL || err->status == PGWIRE_OK)
		return;
	pgwire_buf_printf(out, "%s at offset %zu: %s", pgwire_status_name(err->status),
					  err->offset, err->detail[0] ? err->detail : pgwire_strerror(err->status));
}

int
out_raw(const out_opts *o, pgwire_direction dir, uint64_t offset,
		const uint8_t *data, size_t len, const pgwire_error *err,
		pgwire_buf *out)
{
	int			rc = PGWIRE_OK;

	switch (o->format)
	{
		case OUT_JSON:
			rc = pgwire_json_write_raw(dir, offset, data, len, err, out,
									   o->offsets ? PGWIRE_JSON_OFFSET : 0);
			if (rc == PGWIRE_OK)
				pgwire_buf_puts(out, "\n");
			break;
		case OUT_TRACE:
			/* fe-trace.c has no line for this; keep its tab-separated shape */
			if (o->offsets)
				pgwire_buf_printf(out, "%" PRIu64 "\t", offset);
			pgwire_buf_printf(out, "%s\t%zu\tRaw\t", dir == PGWIRE_FRONTEND ? "F" : "B", len);
			error_text(out, err);
			pgwire_buf_puts(out, "\t");
			hex_preview(out, data, len, 32);
			pgwire_buf_puts(out, "\n");
			break;
		case OUT_EXPLAIN:
		default:
			pgwire_buf_printf(out, "# %s raw bytes, offset %" PRIu64 ", %zu bytes: ",
							  tool_direction_name(dir), offset, len);
			error_text(out, err);
			pgwire_buf_puts(out, "\n");
			for (size_t i = 0; i < len; i += 16)
			{
				pgwire_buf_printf(out, "%8" PRIu64 "  ", offset + i);
				hex_preview(out, data + i, len - i < 16 ? len - i : 16, 16);
				pgwire_buf_puts(out, "\n");
			}
			pgwire_buf_puts(out, "\n");
			break;
	}
	return rc != PGWIRE_OK ? rc : out->status;
}
