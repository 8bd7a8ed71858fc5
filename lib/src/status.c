/*
 * status.c
 *    Names and descriptions of pgwire_status codes; filling pgwire_error.
 */
#include <stdarg.h>
#include <stdio.h>

#include "pgwire/status.h"

typedef struct status_desc
{
	int			status;
	const char *name;
	const char *text;
} status_desc;

static const status_desc statuses[] = {
	{PGWIRE_OK, "PGWIRE_OK", "success"},
	{PGWIRE_INCOMPLETE, "PGWIRE_INCOMPLETE", "incomplete message: more bytes needed"},
	{PGWIRE_DONE, "PGWIRE_DONE", "no more messages"},
	{PGWIRE_ERR_NOMEM, "PGWIRE_ERR_NOMEM", "out of memory"},
	{PGWIRE_ERR_LENGTH, "PGWIRE_ERR_LENGTH", "invalid message length"},
	{PGWIRE_ERR_TRUNCATED, "PGWIRE_ERR_TRUNCATED", "message truncated"},
	{PGWIRE_ERR_TRAILING, "PGWIRE_ERR_TRAILING", "unexpected bytes at end of message"},
	{PGWIRE_ERR_UNKNOWN_TYPE, "PGWIRE_ERR_UNKNOWN_TYPE", "unknown message type"},
	{PGWIRE_ERR_BAD_VALUE, "PGWIRE_ERR_BAD_VALUE", "invalid field value"},
	{PGWIRE_ERR_ENCRYPTED, "PGWIRE_ERR_ENCRYPTED", "stream is encrypted"},
	{PGWIRE_ERR_EMBEDDED_NUL, "PGWIRE_ERR_EMBEDDED_NUL", "string contains a NUL byte"},
	{PGWIRE_ERR_RANGE, "PGWIRE_ERR_RANGE", "value out of range for its field"},
	{PGWIRE_ERR_JSON, "PGWIRE_ERR_JSON", "invalid JSON message"},
	{PGWIRE_ERR_ARGUMENT, "PGWIRE_ERR_ARGUMENT", "invalid argument"},
	{PGWIRE_ERR_STATE, "PGWIRE_ERR_STATE", "object is in an error state"},
	{PGWIRE_ERR_EXTRA_DATA, "PGWIRE_ERR_EXTRA_DATA", "extra data after message"},
	{PGWIRE_ERR_AUTH, "PGWIRE_ERR_AUTH", "authentication failed"},
	{PGWIRE_ERR_PROTOCOL, "PGWIRE_ERR_PROTOCOL", "protocol violation"},
};

static const status_desc *
find_status(int status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return &statuses[i];
	return NULL;
}

const char *
pgwire_status_name(int status)
{
	const status_desc *d = find_status(status);

	return d ? d->name : "PGWIRE_ERR_UNKNOWN_STATUS";
}

const char *
pgwire_strerror(int status)
{
	const status_desc *d = find_status(status);

	return d ? d->text : "unknown status code";
}

int
pgwire_error_set(pgwire_error *err, int status, size_t offset, const char *fmt,...)
{
	if (err != NULL)
	{
		va_list		ap;

		err->status = status;
		err->offset = offset;
		va_start(ap, fmt);
		vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
		va_end(ap);
	}
	return status;
}
