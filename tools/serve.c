/*
 * tools/serve.c
 *    pgwire serve: a minimal but real PostgreSQL server in front of an
 *    embedded SQLite database, built on libpgwire's backend state machine
 *    (server.h) and the SQLite application (sqlite_backend.c).
 *
 *   pgwire serve [--sqlite FILE] --listen 127.0.0.1:PORT
 *                [--auth trust|password|md5|scram-sha-256]
 *                [--password-file FILE] [--user NAME:[METHOD:]PASSWORD]...
 *                [--tls-cert FILE --tls-key FILE] [--quiet]
 *
 * One thread per client connection, each with its own SQLite connection
 * (WAL mode: see sqlite_backend.h).  Sockets are blocking: read what the
 * client sent, let the state machine answer it, write the answer; a
 * client that vanishes or misbehaves only ends its own thread.  The
 * server listens on loopback addresses only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "commands.h"
#include "fatal.h"
#include "pgwire/auth.h"
#include "pgwire/encode.h"
#include "pgwire/server.h"
#include "sqlite_backend.h"
#include "util.h"

#define MAX_CLIENTS 200

typedef struct user_entry
{
	struct user_entry *next;
	char	   *name;
	int			method;			/* -1: --auth */
	char	   *secret;
} user_entry;

static struct
{
	pgwire_auth_method method;
	user_entry *users;
	SSL_CTX    *tls;
	uint8_t		cbind[PGWIRE_CBIND_MAX];
	size_t		cbind_len;
	int			quiet;
	atomic_int	clients;
	atomic_int	next_pid;
	volatile sig_atomic_t stop;
	atomic_int	terminating;	/* shutting down: sessions get FATAL 57P01 */
	int			wake[2];		/* write end closed at shutdown: wakes readers */
} srv;

typedef struct client
{
	int			fd;
	SSL		   *ssl;
	int			id;
	sqlb_session *session;
	pgwire_backend *backend;
	int			authed;			/* past authentication: a shutdown ends it with 57P01 */
} client;

static void
logf_(const char *fmt,...)
__attribute__((format(printf, 1, 2)));

/*
 * One line of the log, written with one write(2): the threads' lines
 * would interleave if each wrote its prefix, text and newline separately.
 */
static void
logf_(const char *fmt,...)
{
	char		line[1024];
	const char	prefix[] = "pgwire serve: ";
	va_list		ap;
	int			n;

	if (srv.quiet)
		return;
	memcpy(line, prefix, sizeof(prefix) - 1);
	va_start(ap, fmt);
	n = vsnprintf(line + sizeof(prefix) - 1, sizeof(line) - sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* a longer line is cut, keeping its newline */
	n = (int) sizeof(prefix) - 1 + (n < (int) (sizeof(line) - sizeof(prefix)) ?
									 n : (int) (sizeof(line) - sizeof(prefix)) - 1);
	line[n++] = '\n';
	(void) !write(STDERR_FILENO, line, (size_t) n);
}

/* ---- configuration ---------------------------------------------------- */

static int	parse_method(const char *s);

/*
 * "user:secret", or "user:METHOD:secret" / "user:trust" to give this user
 * its own method (METHOD one of trust, password, md5, scram-sha-256).
 */
static int
add_user(const char *line)
{
	const char *colon = strchr(line, ':');
	const char *rest;
	const char *second;
	user_entry *u;

	if (!colon || colon == line)
		return -1;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -1;
	u->name = strndup(line, (size_t) (colon - line));
	u->method = -1;
	rest = colon + 1;
	second = strchr(rest, ':');
	if (!strcmp(rest, "trust"))
	{
		u->method = PGWIRE_AUTH_TRUST;
		rest += 5;
	}
	else if (second)
	{
		char		m[32];

		snprintf(m, sizeof(m), "%.*s", (int) (second - rest), rest);
		if (parse_method(m) >= 0)
		{
			u->method = parse_method(m);
			rest = second + 1;
		}
	}
	u->secret = strdup(rest);
	u->next = srv.users;
	srv.users = u;
	return 0;
}

/* Lines "user:password" or "user:SCRAM-SHA-256$..." or "user:md5...". */
static int
read_password_file(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[2048];
	int			n = 0;

	if (!f)
	{
		tool_err("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f))
	{
		line[strcspn(line, "\r\n")] = '\0';
		n++;
		if (!line[0] || line[0] == '#')
			continue;
		if (add_user(line) != 0)
		{
			tool_err("%s:%d: expected user:password", path, n);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static const user_entry *
find_user(const char *user)
{
	user_entry *u;

	for (u = srv.users; u; u = u->next)
		if (strcmp(u->name, user) == 0)
			return u;
	return NULL;
}

/* TLS context and the tls-server-end-point hash of our certificate. */
static int
setup_tls(const char *cert, const char *key)
{
	X509	   *x;
	int			dig = 0,
				pkey = 0,
				len;
	unsigned char *der = NULL;
	pgwire_error err;

	srv.tls = SSL_CTX_new(TLS_server_method());
	if (!srv.tls ||
		SSL_CTX_use_certificate_chain_file(srv.tls, cert) != 1 ||
		SSL_CTX_use_PrivateKey_file(srv.tls, key, SSL_FILETYPE_PEM) != 1 ||
		SSL_CTX_check_private_key(srv.tls) != 1)
	{
		tool_err("cannot load the TLS certificate %s and key %s: %s", cert, key,
				 ERR_reason_error_string(ERR_get_error()));
		return -1;
	}
	SSL_CTX_set_min_proto_version(srv.tls, TLS1_2_VERSION);
	x = SSL_CTX_get0_certificate(srv.tls);
	if (!x || !OBJ_find_sigid_algs(X509_get_signature_nid(x), &dig, &pkey) ||
		(len = i2d_X509(x, &der)) <= 0)
	{
		tool_err("cannot read the certificate's signature algorithm");
		return -1;
	}
	if (pgwire_cbind_hash(der, (size_t) len, dig, srv.cbind, &srv.cbind_len, &err) != PGWIRE_OK)
	{
		tool_err("channel binding: %s", err.detail);
		srv.cbind_len = 0;
	}
	OPENSSL_free(der);
	return 0;
}

/* ---- one client ------------------------------------------------------- */

#define READ_SHUTDOWN (-2)

/*
 * Wait until the client sent something or the server shuts down (the
 * wake pipe's write end is closed then, so it stays readable for every
 * thread, also one that polls only later).
 */
static int
wait_readable(client *c)
{
	struct pollfd pfd[2] = {{c->fd, POLLIN, 0}, {srv.wake[0], POLLIN, 0}};

	if (c->ssl && SSL_pending(c->ssl) > 0)
		return 0;
	for (;;)
	{
		if (poll(pfd, 2, -1) < 0)
		{
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[1].revents)
			return READ_SHUTDOWN;
		return 0;
	}
}

/* Bytes read, 0 at end of file, -1 on an error, READ_SHUTDOWN. */
static ssize_t
client_read(client *c, void *buf, size_t len)
{
	int			w = wait_readable(c);

	if (w != 0)
		return w;
	if (c->ssl)
	{
		int			n = SSL_read(c->ssl, buf, (int) len);

		return n > 0 ? n : (SSL_get_error(c->ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
	}
	for (;;)
	{
		ssize_t		n = recv(c->fd, buf, len, 0);

		if (n >= 0 || errno != EINTR)
			return n;
	}
}

/* Write all of data; the count written, or -1. */
static long
client_write(void *arg, const uint8_t *p, size_t len)
{
	client	   *c = arg;
	size_t		done = 0;

	while (done < len)
	{
		ssize_t		n;

		if (c->ssl)
		{
			int			r = SSL_write(c->ssl, p + done, (int) (len - done));

			n = r > 0 ? r : -1;
		}
		else
			n = send(c->fd, p + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR && !c->ssl)
			continue;
		if (n <= 0)
			return -1;
		done += (size_t) n;
	}
	return (long) done;
}

static int
client_flush(client *c)
{
	size_t		len;
	const uint8_t *p = pgwire_backend_output(c->backend, &len);

	if (len == 0)
		return 0;
	if (client_write(c, p, len) != (long) len)
		return -1;
	pgwire_backend_consume(c->backend, len);
	return 0;
}

/*
 * Shutdown, as PostgreSQL's smart and fast shutdown end a session: what
 * was queued before (rows of an interrupted query), then FATAL 57P01.  A
 * client still in authentication gets nothing, as from PostgreSQL, whose
 * backend sends no error before authentication is done.
 */
static void
terminate_client(client *c)
{
	size_t		len;
	const uint8_t *p = pgwire_backend_output(c->backend, &len);
	size_t		keep = sqlb_session_output_kept(c->session, len);
	pgwire_buf	fatal;

	if (!c->authed)
		return;
	pgwire_buf_init(&fatal, NULL);
	if ((keep == 0 || client_write(c, p, keep) == (long) keep) &&
		tool_fatal_response(&fatal, "57P01",
							"terminating connection due to administrator command") == PGWIRE_OK)
		client_write(c, fatal.data, fatal.len);
	pgwire_buf_free(&fatal);
	pgwire_backend_consume(c->backend, len);
	logf_("connection %d: terminated by the server's shutdown", c->id);
}

static int
app_startup(void *arg, pgwire_backend *b, const char *user, const char *database,
			const char *const *params, size_t nparams, pgwire_auth_config *auth)
{
	sqlb_session *s = arg;
	const user_entry *u;
	size_t		i;

	(void) b;
	(void) database;
	for (i = 0; i < nparams; i++)
		if (strcmp(params[2 * i], "user") && strcmp(params[2 * i], "database") &&
			strcmp(params[2 * i], "options") && strcmp(params[2 * i], "replication"))
			sqlb_session_setting(s, params[2 * i], params[2 * i + 1]);
	/* current_user and SHOW session_authorization */
	sqlb_session_setting(s, "session_authorization", user);
	u = find_user(user);
	auth->method = u && u->method >= 0 ? (pgwire_auth_method) u->method : srv.method;
	auth->secret = u && u->secret[0] ? u->secret : NULL;
	return 0;
}

static const char *
method_name(int m)
{
	return m == PGWIRE_AUTH_TRUST ? "trust" : m == PGWIRE_AUTH_PASSWORD ? "password" :
		m == PGWIRE_AUTH_MD5 ? "md5" : "scram-sha-256";
}

static void
app_ready(void *arg, pgwire_backend *b)
{
	const char *v = sqlb_session_get(arg, "application_name");

	pgwire_backend_parameter_status(b, "application_name", v ? v : "");
	/* the one the client logged in as, unknown when sqlb_parameters is */
	pgwire_backend_parameter_status(b, "session_authorization", pgwire_backend_user(b));
}

static int
start_tls(client *c)
{
	if (client_flush(c) != 0)
		return -1;
	c->ssl = SSL_new(srv.tls);
	if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1 || SSL_accept(c->ssl) != 1)
	{
		logf_("connection %d: TLS handshake failed: %s", c->id,
			  ERR_reason_error_string(ERR_get_error()));
		return -1;
	}
	return pgwire_backend_tls_done(c->backend, srv.cbind_len ? srv.cbind : NULL,
								   srv.cbind_len) == PGWIRE_OK ? 0 : -1;
}

/* Feed, answer, write, until the connection ends. */
static void
client_loop(client *c)
{
	uint8_t		buf[65536];
	pgwire_backend_event ev;
	pgwire_error err;

	for (;;)
	{
		ssize_t		n = client_read(c, buf, sizeof(buf));
		int			rc;

		if (n == READ_SHUTDOWN)
		{
			terminate_client(c);
			return;
		}
		if (n <= 0)
		{
			if (pgwire_backend_pending(c->backend) > 0)
				logf_("connection %d: client disconnected in the middle of a message (%zu bytes)",
					  c->id, pgwire_backend_pending(c->backend));
			return;
		}
		if (pgwire_backend_feed(c->backend, buf, (size_t) n) != PGWIRE_OK)
			return;
		while ((rc = pgwire_backend_next(c->backend, &ev, &err)) == PGWIRE_OK)
		{
			switch (ev.kind)
			{
				case PGWIRE_BACKEND_EV_TLS_START:
					if (start_tls(c) != 0)
						return;
					break;
				case PGWIRE_BACKEND_EV_CANCEL:
					logf_("connection %d: cancel request for process %d: %s", c->id,
						  ev.process_id,
						  sqlb_cancel(ev.process_id, ev.secret_key) ? "sent" : "no such process");
					return;
				case PGWIRE_BACKEND_EV_AUTHENTICATED:
					c->authed = 1;
					logf_("connection %d: user \"%s\" authenticated with %s", c->id,
						  pgwire_backend_user(c->backend),
						  pgwire_backend_mechanism(c->backend) ? pgwire_backend_mechanism(c->backend) :
						  method_name(pgwire_backend_auth_method(c->backend)));
					break;
				case PGWIRE_BACKEND_EV_CLOSE:
					if (err.status != PGWIRE_OK && err.detail[0])
						logf_("connection %d: closed: %s", c->id, err.detail);
					client_flush(c);
					return;
				default:
					break;
			}
			err.status = PGWIRE_OK;
			err.detail[0] = '\0';
			/* a statement interrupted by the shutdown, or one it came after */
			if (atomic_load(&srv.terminating))
			{
				terminate_client(c);
				return;
			}
		}
		if (rc != PGWIRE_INCOMPLETE || client_flush(c) != 0)
			return;
	}
}

static void *
client_main(void *arg)
{
	client	   *c = arg;
	pgwire_backend_app app = sqlb_app;
	pgwire_backend_options opts = {0};
	char		errbuf[256];
	int32_t		key;

	app.startup = app_startup;
	app.ready = app_ready;
	if (RAND_bytes((unsigned char *) &key, sizeof(key)) != 1)
		key = (int32_t) random();
	c->session = sqlb_session_open(c->id, key, errbuf, sizeof(errbuf));
	if (!c->session)
		logf_("connection %d: %s", c->id, errbuf);
	else
	{
		opts.app = &app;
		opts.app_arg = c->session;
		opts.tls_available = srv.tls != NULL;
		opts.process_id = c->id;
		opts.secret_key = key;
		opts.parameters = sqlb_parameters;
		opts.write_out = client_write;
		opts.io_arg = c;
		c->backend = pgwire_backend_create(&opts, NULL);
		if (c->backend)
			client_loop(c);
	}
	/* the backend first: its portals hold the session's statements */
	pgwire_backend_free(c->backend);
	sqlb_session_close(c->session);
	if (c->ssl)
	{
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->fd);
	free(c);
	atomic_fetch_sub(&srv.clients, 1);
	return NULL;
}

/* A client over the limit gets PostgreSQL's answer (FATAL 53300). */
static void
refuse(int fd)
{
	pgwire_buf	b;

	pgwire_buf_init(&b, NULL);
	if (tool_fatal_response(&b, "53300", "sorry, too many clients already") == PGWIRE_OK)
		(void) !send(fd, b.data, b.len, MSG_NOSIGNAL);
	pgwire_buf_free(&b);
	close(fd);
}

/* ---- listening -------------------------------------------------------- */

static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *) sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *) sa)->sin6_addr);
	return 0;
}

static int
listen_on(const char *spec)
{
	char		host[256];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = {0},
			   *res = NULL;
	int			fd,
				one = 1,
				rc;

	if (!colon || colon == spec || (size_t) (colon - spec) >= sizeof(host))
	{
		tool_err("--listen wants HOST:PORT, e.g. 127.0.0.1:5433");
		return -1;
	}
	snprintf(host, sizeof(host), "%.*s", (int) (colon - spec), spec);
	if (host[0] == '[' && host[strlen(host) - 1] == ']')
	{
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0)
	{
		tool_err("cannot resolve %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	if (!is_loopback(res->ai_addr))
	{
		tool_err("%s is not a loopback address: pgwire serve listens on loopback only", host);
		freeaddrinfo(res);
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 128) != 0)
	{
		tool_err("cannot listen on %s: %s", spec, strerror(errno));
		freeaddrinfo(res);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

static void
on_signal(int sig)
{
	(void) sig;
	srv.stop = 1;
}

/*
 * After SIGTERM or SIGINT: every session is ended with FATAL 57P01, an idle
 * one woken by the wake pipe, one running a statement by its interruption.
 * A client that does not read what it is sent could hold its thread in a
 * write forever, so the wait is bounded.
 */
static void
terminate_sessions(void)
{
	int			i;

	atomic_store(&srv.terminating, 1);
	close(srv.wake[1]);
	sqlb_terminate_all();
	for (i = 0; i < 100 && atomic_load(&srv.clients) > 0; i++)
		usleep(50 * 1000);
	if (atomic_load(&srv.clients) > 0)
		logf_("%d connections still open after 5 s: exiting anyway",
			  atomic_load(&srv.clients));
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: pgwire serve [--sqlite FILE] --listen 127.0.0.1:PORT\n"
			"                    [--auth trust|password|md5|scram-sha-256]\n"
			"                    [--password-file FILE] [--user NAME:[METHOD:]PASSWORD]...\n"
			"                    [--tls-cert FILE --tls-key FILE] [--quiet]\n"
			"Serves the SQLite database FILE (default :memory:) to PostgreSQL clients.\n"
			"Password file lines: user:secret, user:METHOD:secret or user:trust; a secret\n"
			"is a password, an md5 hash or a SCRAM verifier as pg_authid stores them;\n"
			"METHOD (trust, password, md5, scram-sha-256) overrides --auth for that user.\n");
}

static int
parse_method(const char *s)
{
	if (!strcmp(s, "trust"))
		return PGWIRE_AUTH_TRUST;
	if (!strcmp(s, "password"))
		return PGWIRE_AUTH_PASSWORD;
	if (!strcmp(s, "md5"))
		return PGWIRE_AUTH_MD5;
	if (!strcmp(s, "scram-sha-256"))
		return PGWIRE_AUTH_SCRAM;
	return -1;
}

int
cmd_serve(int argc, char **argv)
{
	const char *db = ":memory:",
			   *listen_spec = NULL,
			   *cert = NULL,
			   *key = NULL;
	char		errbuf[512];
	int			i,
				lfd;
	struct sigaction sa = {0};

	srv.method = PGWIRE_AUTH_TRUST;
	for (i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--quiet"))
		{
			srv.quiet = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		{
			usage();
			return 0;
		}
		if (!v)
		{
			usage();
			return EXIT_USAGE;
		}
		i++;
		if (!strcmp(a, "--sqlite"))
			db = v;
		else if (!strcmp(a, "--listen"))
			listen_spec = v;
		else if (!strcmp(a, "--auth"))
		{
			int			m = parse_method(v);

			if (m < 0)
			{
				tool_err("unknown --auth method \"%s\"", v);
				return EXIT_USAGE;
			}
			srv.method = (pgwire_auth_method) m;
		}
		else if (!strcmp(a, "--password-file"))
		{
			if (read_password_file(v) != 0)
				return EXIT_USAGE;
		}
		else if (!strcmp(a, "--user"))
		{
			if (add_user(v) != 0)
			{
				tool_err("--user wants NAME:PASSWORD");
				return EXIT_USAGE;
			}
		}
		else if (!strcmp(a, "--tls-cert"))
			cert = v;
		else if (!strcmp(a, "--tls-key"))
			key = v;
		else
		{
			usage();
			return EXIT_USAGE;
		}
	}
	if (!listen_spec || (!cert) != (!key))
	{
		usage();
		return EXIT_USAGE;
	}
	if (cert && setup_tls(cert, key) != 0)
		return EXIT_USAGE;
	if (sqlb_init(db, errbuf, sizeof(errbuf)) != 0)
	{
		tool_err("%s", errbuf);
		return EXIT_USAGE;
	}
	lfd = listen_on(listen_spec);
	if (lfd < 0)
	{
		sqlb_shutdown();
		return EXIT_USAGE;
	}
	if (pipe(srv.wake) != 0)
	{
		tool_err("pipe: %s", strerror(errno));
		sqlb_shutdown();
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	atomic_store(&srv.next_pid, (int) getpid() * 100 % 1000000 + 1);
	logf_("listening on %s (sqlite %s, auth %s%s)", listen_spec, db,
		  method_name(srv.method), srv.tls ? ", TLS" : "");
	while (!srv.stop)
	{
		struct pollfd pfd = {lfd, POLLIN, 0};
		client	   *c;
		pthread_t	t;
		pthread_attr_t attr;
		int			fd,
					one = 1;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (atomic_fetch_add(&srv.clients, 1) >= MAX_CLIENTS)
		{
			atomic_fetch_sub(&srv.clients, 1);
			refuse(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c)
		{
			atomic_fetch_sub(&srv.clients, 1);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->id = atomic_fetch_add(&srv.next_pid, 1);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 1024 * 1024);
		if (pthread_create(&t, &attr, client_main, c) != 0)
		{
			atomic_fetch_sub(&srv.clients, 1);
			close(fd);
			free(c);
		}
		pthread_attr_destroy(&attr);
	}
	close(lfd);
	logf_("shutting down");
	terminate_sessions();
	sqlb_shutdown();
	return 0;
}
