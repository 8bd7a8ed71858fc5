/*
 * test/unit/tap.h
 *    A tiny header-only TAP-style harness for the C unit tests.
 *
 * Each check prints one line, "ok - description" or "not ok - description",
 * the format test/run-all counts.  done_testing() prints a summary as a TAP
 * comment and returns the exit status (0 when nothing failed, 1 otherwise),
 * so a test's main() ends with "return done_testing();".
 *
 *   ok(len == 5, "length of %s", name);
 *   ok_int(status, PGWIRE_OK, "decode Bind");     (prints both on failure)
 *   diag("note %d", x);                            (a "# ..." line)
 *
 * Header-only with static state: include it from exactly one .c file per
 * test binary.
 */
#ifndef PGWIRE_TAP_H
#define PGWIRE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int	tap_passed;
static int	tap_failed;

/* Print one check line; returns cond so callers can branch on it. */
static int
tap_ok(int cond, const char *file, int line, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 4, 5)))
#endif
			;

static int
tap_ok(int cond, const char *file, int line, const char *fmt,...)
{
	va_list		ap;

	fputs(cond ? "ok - " : "not ok - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	if (cond)
		tap_passed++;
	else
	{
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Integer equality with both values shown on failure. */
#define ok_int(got, want, ...) \
	do { \
		long long tap_g_ = (long long) (got), tap_w_ = (long long) (want); \
		if (!tap_ok(tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__)) \
			printf("#   got %lld, want %lld\n", tap_g_, tap_w_); \
	} while (0)

/*
 * A "# ..." comment line, not counted as a check.  inline, as the helpers
 * below: a test that never calls it gets no unused-function warning.
 */
static inline void
diag(const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 1, 2)))
#endif
			;

static inline void
diag(const char *fmt,...)
{
	va_list		ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Number of failed checks so far (for tests that stop early). */
static inline int
tap_failures(void)
{
	return tap_failed;
}

/* Print the summary; the exit status for main(). */
static inline int
done_testing(void)
{
	printf("# %d passed, %d failed\n", tap_passed, tap_failed);
	fflush(stdout);
	return tap_failed == 0 && tap_passed > 0 ? 0 : 1;
}

#endif							/* PGWIRE_TAP_H */
