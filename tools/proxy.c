/*
 * tools/proxy.c
 *    pgwire proxy: a transparent tracing proxy.  Clients connect to it as
 *    to a server; it connects each to the upstream server, forwards every
 *    byte unchanged both ways, and prints each message as it passes.
 *
 * Transparency comes first: bytes are written to the other side before
 * they are decoded, undecodable bytes are forwarded all the same (and
 * reported), and a connection that switches to TLS is simply relayed.
 *
 * Cost comes second, since the proxy shares the machine with the client
 * and the server it sits between: every microsecond it spends on a
 * message is taken from them.  Each read is written to the other side at
 * once, in one send() straight from the read buffer, and only then
 * decoded; trace lines collect in a per-connection buffer that goes to the
 * output when the connection falls idle (at most OUTPUT_DELAY_MS after
 * the line was made), not once per message.
 *
 * One thread per connection polls both sockets.  An event loop serving
 * every connection from one thread was tried and measured slower on a
 * 2-core machine shared with pgbench and the server (pgbench -S: ~25k
 * against ~30k tps, relay only ~25k against ~35k): one thread serialises
 * the connections, and the CPUs sat idle while every message waited for
 * it, where a thread per connection lets the scheduler run each
 * connection's thread next to its client and server process.  The sockets
 * are non-blocking and each direction holds at most one read's worth of
 * bytes not yet written, reading no more from a side until the other side
 * has taken them, so memory stays bounded whatever passes through.
 * Output is written by a thread of its own (see OUTQ_MAX), so a slow
 * output never holds up the traffic either.
 *
 * By default the proxy answers SSLRequest and GSSENCRequest with 'N'
 * itself, so that the traffic stays readable; the request is not sent to
 * the server.  --save records what the client saw: the frontend stream
 * holds the request, the backend stream the 'N' the proxy sent, so the
 * two saved streams decode as one consistent conversation.  With
 * --passthrough-encryption the requests go to the server, and if it
 * answers 'S' or 'G' the connection is reported encrypted and relayed.
 *
 * If the upstream server cannot be reached, the client gets an
 * ErrorResponse (FATAL, SQLSTATE 08006) after its StartupMessage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "fatal.h"
#include "output.h"
#include "util.h"

/* Bytes read from one side at a time (and at most held unwritten). */
#define CHUNK (64 * 1024)
/* How long to wait for the upstream server to accept a connection. */
#define CONNECT_TIMEOUT_MS 5000
/*
 * A connection's trace lines go to the output when it falls idle, but not
 * more often than this, nor later than this after they were made (or at
 * once when CHUNK bytes of them wait): under load that is one hand-over
 * to the writer thread per interval instead of one per message.
 */
#define OUTPUT_DELAY_MS 50
/* How long a client whose upstream is down has to send its startup packet. */
#define STARTUP_TIMEOUT_MS 10000

/* Startup-phase request codes (docs: "Message Formats"). */
#define SSL_REQUEST_CODE 80877103
#define GSSENC_REQUEST_CODE 80877104
#define CANCEL_REQUEST_CODE 80877102

/*
 * What becomes of a direction's bytes: decoded; after a framing error,
 * reported as raw records (so the JSON output still encodes back to every
 * byte); or, once encrypted (or with --format none), only relayed.
 */
#define DECODE_OFF 0
#define DECODE_ON 1
#define DECODE_RAW 2

typedef struct proxy_cfg
{
	char	   *listen_host;
	char	   *listen_port;
	char	   *up_host;
	char	   *up_port;
	out_opts	opts;
	FILE	   *out;
	const char *save_dir;
	int			passthrough;
	int			quiet;			/* --format none: relay (and save) only */
} proxy_cfg;

/* One direction of a connection: bytes read from one socket for the other. */
typedef struct pipe_dir
{
	int			from_fd;
	int			to_fd;
	uint8_t    *pend;			/* read, not yet written (allocated on need) */
	size_t		pend_cap;
	size_t		pend_off;
	size_t		pend_len;
	int			eof;			/* from_fd reached end of file */
	int			shut;			/* to_fd shut down for writing */
	int			save_fd;		/* --save file, -1 if none */
	int			decoding;		/* DECODE_ON, DECODE_RAW or DECODE_OFF */
	uint64_t	offset;			/* bytes of this direction seen so far */
} pipe_dir;

typedef struct conn
{
	int			id;
	int			cfd;			/* client socket */
	int			sfd;			/* upstream socket, -1 if none */
	char		peer[NI_MAXHOST + NI_MAXSERV + 2];
	pgwire_session *session;
	pipe_dir	d[2];			/* [PGWIRE_FRONTEND] client->server, [BACKEND] back */
	int			fe_startup;		/* still looking for SSL/GSSENC requests */
	uint8_t		hold[8];		/* a possible request, held back */
	size_t		hold_len;
	pgwire_buf	render;			/* one record, before prefixing */
	pgwire_buf	text;			/* prefixed lines waiting for output */
	int64_t		last_flush;		/* when text last went out (ms) */
	char		prefix[32];		/* "conn N\t" or "{\"conn\":N," */
	size_t		prefix_len;
	uint8_t		rbuf[CHUNK];	/* what was just read */
} conn;

/*
 * Output goes through one writer thread, so a slow output (a paused pager,
 * a full disk) never holds up forwarding.  Lines are appended to outq;
 * past OUTQ_MAX bytes waiting they are dropped and counted, and a line
 * saying how many were lost follows once there is room again.
 */
#define OUTQ_MAX (16 * 1024 * 1024)

static proxy_cfg cfg;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t out_cond = PTHREAD_COND_INITIALIZER;
static pgwire_buf outq;
static uint64_t out_dropped;	/* lines dropped since the last report */
static int	out_stop;
static int	out_error;

static pthread_mutex_t active_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t active_cond = PTHREAD_COND_INITIALIZER;
static int	active_conns = 0;
static int	stop_pipe[2] = {-1, -1};

static void
proxy_usage(FILE *f)
{
	fprintf(f,
			"Usage: pgwire proxy --listen HOST:PORT --upstream HOST:PORT [OPTION...]\n"
			"\n"
			"A transparent tracing proxy: forwards every byte between clients and the\n"
			"upstream server unchanged and prints each message as it passes.\n"
			"\n"
			"  -l, --listen HOST:PORT     where clients connect\n"
			"  -u, --upstream HOST:PORT   the real server\n"
			"  -f, --format trace|json|none  PQtrace lines (default) or JSON Lines,\n"
			"                             each line with the connection number; none:\n"
			"                             relay (and --save) without decoding\n"
			"  -o, --output FILE          write the trace to FILE (default stdout)\n"
			"  -s, --save DIR             save DIR/conn-N.frontend and conn-N.backend\n"
			"                             (raw bytes, for pgwire decode --conversation)\n"
			"  -p, --passthrough-encryption  forward SSLRequest/GSSENCRequest to the\n"
			"                             server instead of answering 'N'\n"
			"  -r, --regress              trace: PQtrace regress mode\n"
			"  -T, --suppress-timestamps  trace: no timestamps\n");
}

/* ---- output ------------------------------------------------------------ */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t) tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Hand the whole lines in text to the writer thread; text is emptied. */
static void
flush_text(pgwire_buf *text)
{
	if (text->len == 0)
		return;
	if (cfg.quiet)
	{
		pgwire_buf_reset(text);
		return;
	}
	pthread_mutex_lock(&out_lock);
	if (outq.len + text->len > OUTQ_MAX)
	{
		for (size_t i = 0; i < text->len; i++)
			out_dropped += (text->data[i] == '\n');
	}
	else
	{
		if (out_dropped > 0)
		{
			if (cfg.opts.format == OUT_JSON)
				pgwire_buf_printf(&outq, "{\"conn\":0,\"event\":\"dropped\",\"detail\":\"%" PRIu64
								  " lines: the output could not keep up\"}\n", out_dropped);
			else
				pgwire_buf_printf(&outq, "conn 0\t#\tdropped: %" PRIu64
								  " lines: the output could not keep up\n", out_dropped);
			out_dropped = 0;
		}
		if (outq.len == 0)
		{
			/* nothing waiting: take text's storage instead of copying it */
			pgwire_buf	t = outq;

			outq = *text;
			*text = t;
		}
		else
			pgwire_buf_append(&outq, text->data, text->len);
		pthread_cond_signal(&out_cond);
	}
	pthread_mutex_unlock(&out_lock);
	pgwire_buf_reset(text);
}

/* The writer thread: takes what is queued and writes it out. */
static void *
writer_thread(void *arg)
{
	pgwire_buf	batch;

	(void) arg;
	pgwire_buf_init(&batch, NULL);
	pthread_mutex_lock(&out_lock);
	for (;;)
	{
		pgwire_buf	t;

		while (outq.len == 0 && !out_stop)
			pthread_cond_wait(&out_cond, &out_lock);
		if (outq.len == 0 && out_stop)
			break;
		/* swap: lines collect in a fresh buffer while this one is written */
		t = outq;
		outq = batch;
		batch = t;
		pthread_mutex_unlock(&out_lock);
		if (fwrite(batch.data, 1, batch.len, cfg.out) != batch.len || fflush(cfg.out) != 0)
			out_error = 1;
		if (batch.cap > 4 * CHUNK)
			pgwire_buf_free(&batch);	/* give back what a burst took */
		else
			pgwire_buf_reset(&batch);
		pthread_mutex_lock(&out_lock);
	}
	pthread_mutex_unlock(&out_lock);
	pgwire_buf_free(&batch);
	return NULL;
}

/*
 * Move the rendered record(s) in c->render to &c->text, each line marked
 * with the connection: "conn N\t" before trace lines, "conn":N first in
 * JSON objects.
 */
static void
prefix_lines(conn *c)
{
	const char *p = (const char *) c->render.data;
	const char *end = p + c->render.len;

	while (p < end)
	{
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		size_t		n = nl ? (size_t) (nl - p) + 1 : (size_t) (end - p);

		if (cfg.opts.format == OUT_JSON && n > 2 && p[0] == '{' && p[1] != '}')
		{
			pgwire_buf_append(&c->text, c->prefix, c->prefix_len);
			pgwire_buf_append(&c->text, p + 1, n - 1);
		}
		else if (cfg.opts.format == OUT_JSON || n == 1)
			pgwire_buf_append(&c->text, p, n);
		else
		{
			pgwire_buf_append(&c->text, c->prefix, c->prefix_len);
			pgwire_buf_append(&c->text, p, n);
		}
		p += n;
	}
	pgwire_buf_reset(&c->render);
}

/* An event line: trace "conn N\t#\ttext", JSON {"conn":N,"event":...}. */
static void
event(conn *c, const char *name, const char *fmt,...)
{
	char		msg[512];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cfg.opts.format == OUT_JSON)
	{
		pgwire_buf_printf(&c->text, "{\"conn\":%d,\"event\":\"%s\",\"detail\":\"", c->id, name);
		for (const char *p = msg; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				pgwire_buf_printf(&c->text, "\\%c", *p);
			else if ((unsigned char) *p < 0x20)
				pgwire_buf_printf(&c->text, "\\u%04x", *p);
			else
				pgwire_buf_append(&c->text, p, 1);
		}
		pgwire_buf_puts(&c->text, "\"}\n");
	}
	else
		pgwire_buf_printf(&c->text, "conn %d\t#\t%s: %s\n", c->id, name, msg);
	flush_text(&c->text);
}

/* ---- decoding what passed ---------------------------------------------- */

static void
save_bytes(conn *c, pgwire_direction dir, const uint8_t *data, size_t len)
{
	pipe_dir   *pd = &c->d[dir];
	size_t		done = 0;

	while (done < len)
	{
		ssize_t		n = write(pd->save_fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
		{
			event(c, "error", "could not save the %s stream: %s",
				  tool_direction_name(dir), strerror(errno));
			close(pd->save_fd);
			pd->save_fd = -1;
			return;
		}
		done += (size_t) n;
	}
}

/*
 * Decode the messages completed by bytes fed to the session for dir and
 * render them into c->render.  Returns 0, or -1 when dir cannot be
 * decoded any more (pd->decoding says what happens to its bytes now).
 */
static int
decode_pending(conn *c, pgwire_direction dir, int64_t ts)
{
	pipe_dir   *pd = &c->d[dir];

	for (;;)
	{
		pgwire_msg	m;
		pgwire_error err;
		int			rc;

		memset(&m, 0, sizeof(m));
		memset(&err, 0, sizeof(err));
		rc = pgwire_session_next(c->session, dir, &m, &err);
		if (rc == PGWIRE_INCOMPLETE)
			return 0;
		if (rc == PGWIRE_OK)
		{
			out_message(&cfg.opts, &m, ts, &c->render);
			continue;
		}
		if (rc == PGWIRE_ERR_ENCRYPTED)
		{
			const pgwire_session_state *st = pgwire_session_state_get(c->session);

			prefix_lines(c);
			event(c, "encrypted", "%s stream encrypted (%s) from offset %" PRIu64
				  "; relaying without decoding",
				  tool_direction_name(dir),
				  st && st->encrypted == 'G' ? "GSSAPI" : "TLS",
				  pd->offset - m.frame.raw_len);	/* the pending bytes end the stream */
			pd->decoding = DECODE_OFF;
			return -1;
		}
		/* report it; the bytes have been forwarded regardless */
		out_raw(&cfg.opts, dir, m.frame.raw_len ? m.frame.offset : pd->offset,
				m.frame.raw, m.frame.raw_len, &err, &c->render);
		if (rc == PGWIRE_ERR_LENGTH || rc == PGWIRE_ERR_STATE ||
			rc == PGWIRE_ERR_NOMEM || m.frame.raw_len == 0 ||
			(m.frame.kind == PGWIRE_FRAME_TYPED &&
			 m.frame.raw_len != (size_t) m.frame.length + 1))
		{
			prefix_lines(c);
			event(c, "error", "%s stream cannot be framed any more; the rest is shown as raw bytes",
				  tool_direction_name(dir));
			pd->decoding = DECODE_RAW;
			return -1;
		}
	}
}

/*
 * Record bytes that just crossed in direction dir (already forwarded):
 * save them, feed them to the session, print every complete message.
 */
static void
record(conn *c, pgwire_direction dir, const uint8_t *data, size_t len)
{
	pipe_dir   *pd = &c->d[dir];

	if (pd->save_fd >= 0 && len > 0)
		save_bytes(c, dir, data, len);
	pd->offset += len;
	if (pd->decoding == DECODE_OFF)
		return;
	if (pd->decoding == DECODE_RAW)
		out_raw(&cfg.opts, dir, pd->offset - len, data, len, NULL, &c->render);
	else if (pgwire_session_feed(c->session, dir, data, len) != PGWIRE_OK)
	{
		event(c, "error", "out of memory decoding the %s stream; relaying undecoded",
			  tool_direction_name(dir));
		pd->decoding = DECODE_OFF;
		return;
	}
	else
		decode_pending(c, dir, cfg.opts.timestamps ? now_us() : 0);
	if (c->render.len > 0)
		prefix_lines(c);
	if (c->text.len >= CHUNK)
		flush_text(&c->text);
}

/* ---- sockets ------------------------------------------------------------ */

static int
split_host_port(const char *arg, char **host, char **port)
{
	const char *colon = strrchr(arg, ':');

	if (colon == NULL || colon == arg || colon[1] == '\0')
		return -1;
	if (arg[0] == '[' && colon[-1] == ']')
		*host = strndup(arg + 1, (size_t) (colon - arg - 2));
	else
		*host = strndup(arg, (size_t) (colon - arg));
	*port = strdup(colon + 1);
	return 0;
}

static void
set_nonblock(int fd)
{
	int			fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void
set_nodelay(int fd)
{
	int			one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Connect to the upstream server; -1 with *why set on failure. */
static int
connect_upstream(char *why, size_t whylen)
{
	struct addrinfo hints,
			   *res,
			   *ai;
	int			rc,
				fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(cfg.up_host, cfg.up_port, &hints, &res)) != 0)
	{
		snprintf(why, whylen, "%s", gai_strerror(rc));
		return -1;
	}
	snprintf(why, whylen, "no address");
	for (ai = res; ai != NULL; ai = ai->ai_next)
	{
		struct pollfd pfd;
		int			soerr = 0;
		socklen_t	sl = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		set_nonblock(fd);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS)
		{
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, CONNECT_TIMEOUT_MS) == 1 &&
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				break;
			snprintf(why, whylen, "%s", soerr ? strerror(soerr) : "connection timed out");
		}
		else
			snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		set_nodelay(fd);
	return fd;
}

/* Write what a direction holds; 0, or -1 if the peer is gone. */
static int
drain(pipe_dir *pd)
{
	while (pd->pend_len > 0)
	{
		ssize_t		n = send(pd->to_fd, pd->pend + pd->pend_off, pd->pend_len, MSG_NOSIGNAL);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		pd->pend_off += (size_t) n;
		pd->pend_len -= (size_t) n;
	}
	pd->pend_off = 0;
	if (pd->eof && !pd->shut)
	{
		shutdown(pd->to_fd, SHUT_WR);
		pd->shut = 1;
	}
	return 0;
}

/*
 * Keep bytes for the other side until it can take them.  A side is only
 * read while its direction holds nothing, so this is at most one read
 * (plus a few held-back startup bytes or 'N' answers): bounded.
 */
static int
queue(pipe_dir *pd, const uint8_t *data, size_t len)
{
	if (pd->pend_off > 0 && pd->pend_len > 0)
		memmove(pd->pend, pd->pend + pd->pend_off, pd->pend_len);
	pd->pend_off = 0;
	if (pd->pend_len + len > pd->pend_cap)
	{
		size_t		cap = pd->pend_len + len > CHUNK ? pd->pend_len + len : CHUNK;
		uint8_t    *p = realloc(pd->pend, cap);

		if (p == NULL)
			return -1;
		pd->pend = p;
		pd->pend_cap = cap;
	}
	memcpy(pd->pend + pd->pend_len, data, len);
	pd->pend_len += len;
	return 0;
}

/*
 * Send bytes just read to the other side: straight from the read buffer
 * in the usual case, where nothing is waiting before them; what the peer
 * cannot take now is kept.  0, or -1 if the peer is gone.
 */
static int
forward(pipe_dir *pd, const uint8_t *data, size_t len)
{
	ssize_t		n = 0;

	if (pd->pend_len > 0)
	{
		if (queue(pd, data, len) < 0)
			return -1;
		return drain(pd);
	}
	while (len > 0)
	{
		n = send(pd->to_fd, data, len, MSG_NOSIGNAL);
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		data += n;
		len -= (size_t) n;
	}
	return len > 0 ? queue(pd, data, len) : 0;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

/*
 * Could the held bytes still become an SSLRequest or GSSENCRequest (length
 * 8, then the request code)?
 */
static int
hold_may_be_request(const conn *c)
{
	if (c->hold_len >= 4 && be32(c->hold) != 8)
		return 0;
	if (c->hold_len == 8 && be32(c->hold + 4) != SSL_REQUEST_CODE &&
		be32(c->hold + 4) != GSSENC_REQUEST_CODE)
		return 0;
	return 1;
}

/*
 * Client bytes while the proxy may still have to answer an SSLRequest or
 * GSSENCRequest itself (there may be several: libpq tries GSSAPI, then
 * SSL).  Requests are answered 'N' as a server without encryption support
 * would; up to 8 bytes are held back until it is clear whether they are a
 * request.  Once they are not, the held bytes are queued for the server,
 * fe_startup ends, and *rest says how many of the last bytes of data[]
 * the caller forwards as usual.  0, or -1 if out of memory.
 */
static int
intercept_requests(conn *c, const uint8_t *data, size_t len, size_t *rest)
{
	static const uint8_t no = 'N';

	*rest = 0;
	while (len > 0)
	{
		size_t		take = 8 - c->hold_len;

		if (take > len)
			take = len;
		memcpy(c->hold + c->hold_len, data, take);
		c->hold_len += take;
		data += take;
		len -= take;
		if (!hold_may_be_request(c))
		{
			uint8_t		held[8];
			size_t		n = c->hold_len;

			memcpy(held, c->hold, n);
			c->hold_len = 0;
			c->fe_startup = 0;
			if (queue(&c->d[PGWIRE_FRONTEND], held, n) < 0)
				return -1;
			record(c, PGWIRE_FRONTEND, held, n);
			*rest = len;
			return 0;
		}
		if (c->hold_len < 8)
			return 0;			/* undecided: hold on */
		c->hold_len = 0;
		if (queue(&c->d[PGWIRE_BACKEND], &no, 1) < 0)
			return -1;
		record(c, PGWIRE_FRONTEND, c->hold, 8);
		record(c, PGWIRE_BACKEND, &no, 1);
	}
	return 0;
}

/* Read from one side, forward at once, then record.  -1: close. */
static int
pump(conn *c, pgwire_direction dir)
{
	pipe_dir   *pd = &c->d[dir];
	const uint8_t *data = c->rbuf;
	ssize_t		n;
	size_t		len;

	n = recv(pd->from_fd, c->rbuf, sizeof(c->rbuf), 0);
	if (n < 0)
		return (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	if (n == 0)
	{
		pd->eof = 1;
		return drain(pd);
	}
	len = (size_t) n;
	if (dir == PGWIRE_FRONTEND && c->fe_startup)
	{
		/* answers go out at once; a request may be followed by another */
		if (intercept_requests(c, c->rbuf, (size_t) n, &len) < 0 ||
			drain(&c->d[PGWIRE_BACKEND]) < 0)
			return -1;
		if (c->fe_startup)
			return 0;			/* all answered or held */
		data = c->rbuf + n - len;
	}
	/* forward first, decode after */
	if (forward(pd, data, len) < 0 ||
		(len == 0 && drain(pd) < 0))	/* held bytes only */
		return -1;
	if (len > 0)
		record(c, dir, data, len);
	return 0;
}

/* The ErrorResponse a client gets when the upstream is unreachable. */
static void
send_upstream_error(conn *c, const char *why)
{
	pgwire_buf	b;
	char		msg[400];

	snprintf(msg, sizeof(msg), "pgwire proxy: upstream server %s:%s is unreachable: %s",
			 cfg.up_host, cfg.up_port, why);
	pgwire_buf_init(&b, NULL);
	if (tool_fatal_response(&b, "08006", msg) == PGWIRE_OK &&
		queue(&c->d[PGWIRE_BACKEND], b.data, b.len) == 0)
	{
		drain(&c->d[PGWIRE_BACKEND]);
		record(c, PGWIRE_BACKEND, b.data, b.len);
	}
	pgwire_buf_free(&b);
}

/*
 * Upstream down: answer the client's encryption requests with 'N', then
 * its StartupMessage with the ErrorResponse, and close.  The client
 * socket is still blocking here.
 */
static void
serve_upstream_down(conn *c, const char *why)
{
	uint8_t		buf[10240];
	size_t		have = 0;

	event(c, "upstream-unreachable", "%s:%s: %s", cfg.up_host, cfg.up_port, why);
	c->d[PGWIRE_BACKEND].to_fd = c->cfd;
	for (;;)
	{
		struct pollfd pfd = {c->cfd, POLLIN, 0};
		ssize_t		n;
		uint32_t	len;

		if (have >= 8)
		{
			len = be32(buf);
			if (len == 8 && (be32(buf + 4) == SSL_REQUEST_CODE ||
							 be32(buf + 4) == GSSENC_REQUEST_CODE))
			{
				static const uint8_t no = 'N';

				record(c, PGWIRE_FRONTEND, buf, 8);
				if (queue(&c->d[PGWIRE_BACKEND], &no, 1) < 0)
					return;
				drain(&c->d[PGWIRE_BACKEND]);
				record(c, PGWIRE_BACKEND, &no, 1);
				memmove(buf, buf + 8, have - 8);
				have -= 8;
				continue;
			}
			if (len < 8 || len > sizeof(buf) || have >= len)
			{
				record(c, PGWIRE_FRONTEND, buf, have);
				if (len >= 8 && be32(buf + 4) != CANCEL_REQUEST_CODE)
					send_upstream_error(c, why);
				return;
			}
		}
		if (poll(&pfd, 1, STARTUP_TIMEOUT_MS) != 1)
			return;
		n = recv(c->cfd, buf + have, sizeof(buf) - have, 0);
		if (n <= 0)
		{
			if (n < 0 && errno == EINTR)
				continue;
			return;
		}
		have += (size_t) n;
	}
}

static int
open_save(conn *c, const char *suffix)
{
	char		path[4096];
	int			fd;

	if (cfg.save_dir == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/conn-%d.%s", cfg.save_dir, c->id, suffix);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		event(c, "error", "could not create %s: %s", path, strerror(errno));
	return fd;
}

static void
peer_name(int fd, char *out, size_t outlen)
{
	struct sockaddr_storage ss;
	socklen_t	sl = sizeof(ss);
	char		host[NI_MAXHOST],
				serv[NI_MAXSERV];

	snprintf(out, outlen, "?");
	if (getpeername(fd, (struct sockaddr *) &ss, &sl) == 0 &&
		getnameinfo((struct sockaddr *) &ss, sl, host, sizeof(host), serv, sizeof(serv),
					NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(out, outlen, "%s:%s", host, serv);
}

/* ---- connections -------------------------------------------------------- */

static conn *
conn_new(int cfd, int id)
{
	conn	   *c = calloc(1, sizeof(conn));

	if (c == NULL)
		return NULL;
	c->id = id;
	c->cfd = cfd;
	c->sfd = -1;
	for (int i = 0; i < 2; i++)
	{
		c->d[i].save_fd = -1;
		c->d[i].decoding = cfg.quiet ? DECODE_OFF : DECODE_ON;
	}
	pgwire_buf_init(&c->render, NULL);
	pgwire_buf_init(&c->text, NULL);
	c->fe_startup = !cfg.passthrough;
	if (cfg.opts.format == OUT_JSON)
		snprintf(c->prefix, sizeof(c->prefix), "{\"conn\":%d,", c->id);
	else
		snprintf(c->prefix, sizeof(c->prefix), "conn %d\t", c->id);
	c->prefix_len = strlen(c->prefix);
	return c;
}

/* Let go of everything c holds, and c: the connection no longer counts. */
static void
conn_free(conn *c)
{
	for (int i = 0; i < 2; i++)
	{
		if (c->d[i].save_fd >= 0)
			close(c->d[i].save_fd);
		free(c->d[i].pend);
	}
	if (c->sfd >= 0)
		close(c->sfd);
	close(c->cfd);
	if (c->session)
		pgwire_session_free(c->session);
	pgwire_buf_free(&c->render);
	pgwire_buf_free(&c->text);
	free(c);

	pthread_mutex_lock(&active_lock);
	active_conns--;
	pthread_cond_broadcast(&active_cond);
	pthread_mutex_unlock(&active_lock);
}

/*
 * How long poll may wait: forever with no lines waiting; otherwise the
 * lines go out now if the last hand-over is OUTPUT_DELAY_MS ago, else at
 * the latest that much after it.
 */
static int
flush_or_timeout(conn *c)
{
	int64_t		now;

	if (c->text.len == 0)
		return -1;
	now = now_ms();
	if (now - c->last_flush >= OUTPUT_DELAY_MS)
	{
		flush_text(&c->text);
		c->last_flush = now;
		return -1;
	}
	return (int) (c->last_flush + OUTPUT_DELAY_MS - now);
}

static void
relay(conn *c)
{
	pipe_dir   *fe = &c->d[PGWIRE_FRONTEND],
			   *be = &c->d[PGWIRE_BACKEND];

	for (;;)
	{
		struct pollfd pfd[3];
		int			rc;

		/* a side is read only while its direction holds nothing */
		pfd[0].fd = c->cfd;
		pfd[0].events = ((!fe->eof && fe->pend_len == 0 &&
						  (!c->fe_startup || be->pend_len == 0)) ? POLLIN : 0) |
			(be->pend_len > 0 ? POLLOUT : 0);
		pfd[1].fd = c->sfd;
		pfd[1].events = ((!be->eof && be->pend_len == 0) ? POLLIN : 0) |
			(fe->pend_len > 0 ? POLLOUT : 0);
		pfd[2].fd = stop_pipe[0];
		pfd[2].events = POLLIN;
		/* a side with nothing to wait for is left out: its HUP would spin */
		for (int i = 0; i < 2; i++)
			if (pfd[i].events == 0)
				pfd[i].fd = -1;
		if ((rc = poll(pfd, 3, flush_or_timeout(c))) < 0)
		{
			if (errno == EINTR)
				continue;
			return;
		}
		if (rc == 0)
			continue;			/* time to flush: flush_or_timeout() does it */
		if (pfd[2].revents)
			return;

		/* write what is held first: that is what unblocks the peers */
		if ((pfd[0].revents & (POLLOUT | POLLERR | POLLHUP)) && be->pend_len > 0 &&
			drain(be) < 0)
			return;
		if ((pfd[1].revents & (POLLOUT | POLLERR | POLLHUP)) && fe->pend_len > 0 &&
			drain(fe) < 0)
			return;
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && !fe->eof &&
			fe->pend_len == 0 && pump(c, PGWIRE_FRONTEND) < 0)
			return;
		if ((pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) && !be->eof &&
			be->pend_len == 0 && pump(c, PGWIRE_BACKEND) < 0)
			return;
		/* both sides hung up: nothing more can pass */
		if (fe->eof && be->eof)
			return;
	}
}

static void *
conn_thread(void *arg)
{
	conn	   *c = arg;
	char		why[256];

	c->session = pgwire_session_create(NULL, NULL);
	c->d[PGWIRE_FRONTEND].save_fd = open_save(c, "frontend");
	c->d[PGWIRE_BACKEND].save_fd = open_save(c, "backend");
	event(c, "open", "client %s", c->peer);
	if (c->session == NULL)
		goto done;
	c->sfd = connect_upstream(why, sizeof(why));
	if (c->sfd < 0)
	{
		serve_upstream_down(c, why);
		goto done;
	}
	set_nonblock(c->cfd);
	set_nodelay(c->cfd);
	c->d[PGWIRE_FRONTEND].from_fd = c->cfd;
	c->d[PGWIRE_FRONTEND].to_fd = c->sfd;
	c->d[PGWIRE_BACKEND].from_fd = c->sfd;
	c->d[PGWIRE_BACKEND].to_fd = c->cfd;
	relay(c);

done:
	{
		const pgwire_session_state *st = c->session ? pgwire_session_state_get(c->session) : NULL;

		event(c, "close", "frontend %" PRIu64 " bytes, backend %" PRIu64 " bytes%s",
			  c->d[0].offset, c->d[1].offset,
			  st && st->encrypted ? (st->encrypted == 'G' ? ", encrypted (GSSAPI)" : ", encrypted (TLS)") : "");
	}
	conn_free(c);
	return NULL;
}

/* ---- listening ---------------------------------------------------------- */

static void
on_signal(int signo)
{
	int			saved = errno;
	char		b = (char) signo;

	if (write(stop_pipe[1], &b, 1) < 0)
	{
		/* nothing to do: a byte is already there */
	}
	errno = saved;
}

static int
listen_on(void)
{
	struct addrinfo hints,
			   *res,
			   *ai;
	int			rc,
				fd = -1,
				one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(cfg.listen_host, cfg.listen_port, &hints, &res)) != 0)
	{
		tool_err("--listen %s:%s: %s", cfg.listen_host, cfg.listen_port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
	{
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
			break;
		tool_err("could not listen on %s:%s: %s", cfg.listen_host, cfg.listen_port,
				 strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int
accept_loop(int lfd)
{
	int			next_id = 1;

	for (;;)
	{
		struct pollfd pfd[2] = {{lfd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
		pthread_t	th;
		pthread_attr_t attr;
		conn	   *c;
		int			cfd;

		if (poll(pfd, 2, -1) < 0)
		{
			if (errno == EINTR)
				continue;
			tool_err("poll: %s", strerror(errno));
			return EXIT_USAGE;
		}
		if (pfd[1].revents)
			return 0;
		if (!(pfd[0].revents & POLLIN))
			continue;
		cfd = accept(lfd, NULL, NULL);
		if (cfd < 0)
			continue;
		if ((c = conn_new(cfd, next_id++)) == NULL)
		{
			close(cfd);
			continue;
		}
		peer_name(cfd, c->peer, sizeof(c->peer));
		pthread_mutex_lock(&active_lock);
		active_conns++;
		pthread_mutex_unlock(&active_lock);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &attr, conn_thread, c) != 0)
			conn_free(c);
		pthread_attr_destroy(&attr);
	}
}

int
cmd_proxy(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"upstream", required_argument, NULL, 'u'},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"save", required_argument, NULL, 's'},
		{"passthrough-encryption", no_argument, NULL, 'p'},
		{"regress", no_argument, NULL, 'r'},
		{"suppress-timestamps", no_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char *listen_arg = NULL,
			   *upstream_arg = NULL,
			   *output = NULL;
	struct sigaction sa;
	pthread_t	writer;
	int			opt,
				lfd,
				rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.opts.format = OUT_TRACE;
	cfg.opts.timestamps = 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "l:u:f:o:s:prTh", longopts, NULL)) != -1)
	{
		switch (opt)
		{
			case 'l':
				listen_arg = optarg;
				break;
			case 'u':
				upstream_arg = optarg;
				break;
			case 'f':
				if (strcmp(optarg, "trace") == 0)
					cfg.opts.format = OUT_TRACE;
				else if (strcmp(optarg, "json") == 0)
					cfg.opts.format = OUT_JSON;
				else if (strcmp(optarg, "none") == 0)
					cfg.quiet = 1;
				else
				{
					tool_err("--format must be trace, json or none, not \"%s\"", optarg);
					return EXIT_USAGE;
				}
				break;
			case 'o':
				output = optarg;
				break;
			case 's':
				cfg.save_dir = optarg;
				break;
			case 'p':
				cfg.passthrough = 1;
				break;
			case 'r':
				cfg.opts.regress = 1;
				cfg.opts.timestamps = 0;
				break;
			case 'T':
				cfg.opts.timestamps = 0;
				break;
			case 'h':
				proxy_usage(stdout);
				return 0;
			default:
				proxy_usage(stderr);
				return EXIT_USAGE;
		}
	}
	if (listen_arg == NULL || upstream_arg == NULL || optind != argc)
	{
		proxy_usage(stderr);
		return EXIT_USAGE;
	}
	if (split_host_port(listen_arg, &cfg.listen_host, &cfg.listen_port) < 0 ||
		split_host_port(upstream_arg, &cfg.up_host, &cfg.up_port) < 0)
	{
		tool_err("--listen and --upstream take HOST:PORT");
		return EXIT_USAGE;
	}
	if (cfg.save_dir != NULL && mkdir(cfg.save_dir, 0755) < 0 && errno != EEXIST)
	{
		tool_err("could not create directory \"%s\": %s", cfg.save_dir, strerror(errno));
		return EXIT_USAGE;
	}
	cfg.out = stdout;
	if (output != NULL && strcmp(output, "-") != 0 && (cfg.out = fopen(output, "w")) == NULL)
	{
		tool_err("could not create \"%s\": %s", output, strerror(errno));
		return EXIT_USAGE;
	}
	if (pipe(stop_pipe) < 0)
	{
		tool_err("pipe: %s", strerror(errno));
		return EXIT_USAGE;
	}
	fcntl(stop_pipe[1], F_SETFL, O_NONBLOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((lfd = listen_on()) < 0)
		return EXIT_USAGE;
	pgwire_buf_init(&outq, NULL);
	if (pthread_create(&writer, NULL, writer_thread, NULL) != 0)
	{
		tool_err("could not start the output thread");
		return EXIT_USAGE;
	}
	fprintf(stderr, "pgwire proxy: listening on %s:%s, upstream %s:%s\n",
			cfg.listen_host, cfg.listen_port, cfg.up_host, cfg.up_port);
	rc = accept_loop(lfd);
	close(lfd);

	/* the stop pipe stays readable: every connection thread sees it and ends */
	pthread_mutex_lock(&active_lock);
	while (active_conns > 0)
		pthread_cond_wait(&active_cond, &active_lock);
	pthread_mutex_unlock(&active_lock);
	pthread_mutex_lock(&out_lock);
	out_stop = 1;
	pthread_cond_signal(&out_cond);
	pthread_mutex_unlock(&out_lock);
	pthread_join(writer, NULL);
	pgwire_buf_free(&outq);
	if (out_error)
		tool_err("could not write all of the output");
	fflush(cfg.out);
	if (cfg.out != stdout)
		fclose(cfg.out);
	fprintf(stderr, "pgwire proxy: stopped\n");
	return rc;
}
