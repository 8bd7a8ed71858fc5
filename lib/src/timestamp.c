/*
 * timestamp.c
 *    PostgreSQL timestamps (Int64 microseconds since 2000-01-01 00:00 UTC,
 *    as replication messages carry them) broken down into UTC calendar
 *    fields, for the renderers and the JSON reader.
 */
#include <time.h>

#include "internal.h"

/* seconds from the Unix epoch to PostgreSQL's, 2000-01-01 00:00:00 UTC */
#define PG_EPOCH_UNIX_SECONDS INT64_C(946684800)

int
pgwire_timestamp_tm(int64_t us, struct tm *tm, int *micros)
{
	int64_t		secs = us / 1000000;
	int64_t		frac = us % 1000000;
	time_t		t;

	if (frac < 0)
	{
		frac += 1000000;
		secs--;
	}
	/* secs is within +-9.3e12, so adding the epoch offset cannot overflow */
	t = (time_t) (secs + PG_EPOCH_UNIX_SECONDS);
	if ((int64_t) t != secs + PG_EPOCH_UNIX_SECONDS || gmtime_r(&t, tm) == NULL ||
		tm->tm_year < 1 - 1900 || tm->tm_year > 9999 - 1900)
		return 0;
	*micros = (int) frac;
	return 1;
}
