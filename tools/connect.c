/*
 * connect.c
 *    pgwire connect: a minimal PostgreSQL client built on libpgwire's
 *    frontend state machine (conn.h).
 *
 *    pgwire connect [CONNINFO] [-c SQL]... [--param VALUE]... [--csv] [--trace]
 *
 * Each -c runs in turn, as psql runs them (the exit status is the last
 * one's); without -c, SQL piped or redirected to standard input is sent
 * as one simple Query, and with none it only connects and authenticates.
 *
 * Connection settings are read the way libpq users expect: a URI
 * (postgresql://user:pass@host:port/db?sslmode=...) or a key=value string,
 * then PGHOST, PGHOSTADDR, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
 * PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, PGCHANNELBINDING,
 * PGAPPNAME.  TLS is OpenSSL's libssl set up as libpq sets it up: sslmode
 * disable, allow, prefer, require, verify-ca (the server certificate
 * checked against sslrootcert, default ~/.postgresql/root.crt) and
 * verify-full (and its host name against the certificate's names), client
 * certificates from sslcert/sslkey, and SCRAM channel binding on the
 * tls-server-end-point hash of the server certificate.  Results print like psql's default aligned format or like
 * psql --csv; errors print severity, SQLSTATE, message, detail and hint.
 * Exit status: 0 success, 1 a query failed, 2 connection or usage error.
 */
#define _XOPEN_SOURCE 700			/* wcwidth() */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <wchar.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "commands.h"
#include "pgwire/auth.h"
#include "pgwire/conn.h"
#include "pgwire/render.h"
#include "util.h"

#define MAX_PARAMS 256
#define MAX_COMMANDS 256		/* -c options */

/* ---- settings ---------------------------------------------------------------- */

typedef struct settings
{
	char	   *host;
	char	   *hostaddr;		/* numeric address to connect to; host names the server */
	char	   *port;
	char	   *user;
	char	   *password;
	char	   *dbname;
	char	   *sslmode;
	char	   *sslrootcert;
	char	   *sslcert;
	char	   *sslkey;
	char	   *channel_binding;
	char	   *application_name;
} settings;

/* The connection options we know, as libpq spells them. */
static const struct
{
	const char *key;
	size_t		offset;
}			setting_keys[] =
{
	{"host", offsetof(settings, host)},
	{"hostaddr", offsetof(settings, hostaddr)},
	{"port", offsetof(settings, port)},
	{"user", offsetof(settings, user)},
	{"password", offsetof(settings, password)},
	{"dbname", offsetof(settings, dbname)},
	{"sslmode", offsetof(settings, sslmode)},
	{"sslrootcert", offsetof(settings, sslrootcert)},
	{"sslcert", offsetof(settings, sslcert)},
	{"sslkey", offsetof(settings, sslkey)},
	{"channel_binding", offsetof(settings, channel_binding)},
	{"application_name", offsetof(settings, application_name)},
};

#define NSETTINGS (sizeof(setting_keys) / sizeof(setting_keys[0]))

static char **
setting_at(settings *s, size_t i)
{
	return (char **) ((char *) s + setting_keys[i].offset);
}

static char **
setting_slot(settings *s, const char *key)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strcmp(key, setting_keys[i].key) == 0)
			return setting_at(s, i);
	return NULL;
}

static int
set_setting(settings *s, const char *key, const char *val)
{
	char	  **slot = setting_slot(s, key);

	if (slot == NULL)
	{
		fprintf(stderr, "pgwire connect: invalid connection option \"%s\"\n", key);
		return -1;
	}
	free(*slot);
	*slot = strdup(val);
	return 0;
}

/* Percent-decoding for URI parts; -1 on a bad escape. */
static int
uri_decode(const char *in, size_t len, char **out)
{
	char	   *o = malloc(len + 1);
	size_t		j = 0;

	if (o == NULL)
		return -1;
	for (size_t i = 0; i < len; i++)
	{
		if (in[i] == '%')
		{
			unsigned int v;

			if (i + 2 >= len)
			{
				free(o);
				return -1;
			}
			if (sscanf(in + i + 1, "%2x", &v) != 1 || v == 0)
			{
				free(o);
				return -1;
			}
			o[j++] = (char) v;
			i += 2;
		}
		else
			o[j++] = in[i];
	}
	o[j] = '\0';
	*out = o;
	return 0;
}

static int
set_decoded(settings *s, const char *key, const char *p, size_t len)
{
	char	   *v;
	int			rc;

	if (uri_decode(p, len, &v) != 0)
	{
		fprintf(stderr, "pgwire connect: invalid percent-encoded token in URI\n");
		return -1;
	}
	rc = len ? set_setting(s, key, v) : 0;
	free(v);
	return rc;
}

/* postgresql://[user[:password]@][host][:port][/dbname][?key=value&...] */
static int
parse_uri(settings *s, const char *uri)
{
	const char *p = strchr(uri, ':') + 3;
	const char *end = p + strcspn(p, "/?");
	const char *at = NULL,
			   *q;

	for (q = p; q < end; q++)
		if (*q == '@')
			at = q;
	if (at)
	{
		const char *colon = memchr(p, ':', (size_t) (at - p));

		if (set_decoded(s, "user", p, (size_t) ((colon ? colon : at) - p)) != 0 ||
			(colon && set_decoded(s, "password", colon + 1, (size_t) (at - colon - 1)) != 0))
			return -1;
		p = at + 1;
	}
	if (*p == '[')
	{
		q = strchr(p, ']');
		if (q == NULL || q > end)
			return -1;
		if (set_decoded(s, "host", p + 1, (size_t) (q - p - 1)) != 0)
			return -1;
		p = q + 1;
	}
	else
	{
		q = p + strcspn(p, ":/?");
		if (set_decoded(s, "host", p, (size_t) (q - p)) != 0)
			return -1;
		p = q;
	}
	if (*p == ':')
	{
		q = p + 1 + strcspn(p + 1, "/?");
		if (set_decoded(s, "port", p + 1, (size_t) (q - p - 1)) != 0)
			return -1;
		p = q;
	}
	if (*p == '/')
	{
		q = p + 1 + strcspn(p + 1, "?");
		if (set_decoded(s, "dbname", p + 1, (size_t) (q - p - 1)) != 0)
			return -1;
		p = q;
	}
	if (*p == '?')
	{
		p++;
		while (*p)
		{
			const char *amp = p + strcspn(p, "&");
			const char *eq = memchr(p, '=', (size_t) (amp - p));
			char	   *key;
			int			rc;

			if (eq == NULL || uri_decode(p, (size_t) (eq - p), &key) != 0)
			{
				fprintf(stderr, "pgwire connect: malformed URI parameter\n");
				return -1;
			}
			rc = set_decoded(s, key, eq + 1, (size_t) (amp - eq - 1));
			free(key);
			if (rc != 0)
				return -1;
			p = *amp ? amp + 1 : amp;
		}
	}
	return 0;
}

/* key = value ... with 'single quoted' values and backslash escapes. */
static int
parse_keyvalue(settings *s, const char *str)
{
	const char *p = str;
	char	   *buf = malloc(strlen(str) + 1);
	int			rc = 0;

	while (buf && *p)
	{
		char		key[64];
		size_t		k = 0,
					n = 0;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		while (*p && *p != '=' && *p != ' ' && *p != '\t' && k < sizeof(key) - 1)
			key[k++] = *p++;
		key[k] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
		{
			fprintf(stderr, "pgwire connect: missing \"=\" after \"%s\" in connection info string\n", key);
			rc = -1;
			break;
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\'')
		{
			p++;
			while (*p && *p != '\'')
			{
				if (*p == '\\' && p[1])
					p++;
				buf[n++] = *p++;
			}
			if (*p != '\'')
			{
				fprintf(stderr, "pgwire connect: unterminated quoted string in connection info string\n");
				rc = -1;
				break;
			}
			p++;
		}
		else
			while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			{
				if (*p == '\\' && p[1])
					p++;
				buf[n++] = *p++;
			}
		buf[n] = '\0';
		if ((rc = set_setting(s, key, buf)) != 0)
			break;
	}
	free(buf);
	return buf ? rc : -1;
}

static void
env_default(char **slot, const char *env, const char *dflt)
{
	const char *v = getenv(env);

	if (*slot)
		return;
	if (v && *v)
		*slot = strdup(v);
	else if (dflt)
		*slot = strdup(dflt);
}

/*
 * The port as libpq 15 checks it (parse_int_param, then the range): a
 * decimal integer, surrounding white space allowed, 1 to 65535.  A list
 * ("5432,5433", libpq's multiple hosts) is not supported here.
 */
static int
check_port(const char *port)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(port, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (strchr(port, ',') != NULL)
	{
		fprintf(stderr, "pgwire connect: multiple hosts or ports (\"%s\") are not supported\n",
				port);
		return -1;
	}
	if (end == port || *end != '\0' || errno != 0 || v < INT_MIN || v > INT_MAX)
	{
		fprintf(stderr, "pgwire connect: invalid integer value \"%s\" for connection option \"port\"\n",
				port);
		return -1;
	}
	if (v < 1 || v > 65535)
	{
		fprintf(stderr, "pgwire connect: invalid port number: \"%s\"\n", port);
		return -1;
	}
	return 0;
}

static int
load_settings(settings *s, const char *conninfo)
{
	struct passwd *pw = getpwuid(getuid());

	memset(s, 0, sizeof(*s));
	if (conninfo)
	{
		if (strncmp(conninfo, "postgresql://", 13) == 0 || strncmp(conninfo, "postgres://", 11) == 0)
		{
			if (parse_uri(s, conninfo) != 0)
				return -1;
		}
		else if (strchr(conninfo, '=') != NULL)
		{
			if (parse_keyvalue(s, conninfo) != 0)
				return -1;
		}
		else
			s->dbname = strdup(conninfo);	/* like psql's bare database name */
	}
	env_default(&s->hostaddr, "PGHOSTADDR", NULL);
	/* As libpq: the socket directory only when neither host nor hostaddr is given. */
	env_default(&s->host, "PGHOST", s->hostaddr ? NULL : "/var/run/postgresql");
	env_default(&s->port, "PGPORT", "5432");
	env_default(&s->user, "PGUSER", pw ? pw->pw_name : "postgres");
	env_default(&s->password, "PGPASSWORD", NULL);
	env_default(&s->dbname, "PGDATABASE", s->user);
	env_default(&s->sslmode, "PGSSLMODE", "prefer");
	env_default(&s->sslrootcert, "PGSSLROOTCERT", NULL);
	env_default(&s->sslcert, "PGSSLCERT", NULL);
	env_default(&s->sslkey, "PGSSLKEY", NULL);
	env_default(&s->channel_binding, "PGCHANNELBINDING", "prefer");
	env_default(&s->application_name, "PGAPPNAME", NULL);
	if (strcmp(s->sslmode, "disable") && strcmp(s->sslmode, "allow") &&
		strcmp(s->sslmode, "prefer") && strcmp(s->sslmode, "require") &&
		strcmp(s->sslmode, "verify-ca") && strcmp(s->sslmode, "verify-full"))
	{
		fprintf(stderr, "pgwire connect: invalid sslmode value: \"%s\"\n", s->sslmode);
		return -1;
	}
	if (strcmp(s->channel_binding, "disable") && strcmp(s->channel_binding, "prefer") &&
		strcmp(s->channel_binding, "require"))
	{
		fprintf(stderr, "pgwire connect: invalid channel_binding value: \"%s\"\n", s->channel_binding);
		return -1;
	}
	return check_port(s->port);
}

static void
free_settings(settings *s)
{
	if (s->password)
		memset(s->password, 0, strlen(s->password));
	for (size_t i = 0; i < NSETTINGS; i++)
		free(*setting_at(s, i));
}

/* ---- transport --------------------------------------------------------------- */

typedef struct transport
{
	int			fd;
	SSL_CTX    *ctx;
	SSL		   *ssl;
} transport;

/* A Unix-domain socket directory rather than a TCP host? */
static int
is_unix(const settings *s)
{
	return s->hostaddr == NULL && s->host[0] == '/';
}

/*
 * libpq's "connection to server at \"ADDRESS\", port N failed: " (hostaddr
 * if given, else host) and then the reason.
 */
static void
conn_failed(FILE *f, const settings *s, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 3, 4)))
#endif
			;

static void
conn_failed(FILE *f, const settings *s, const char *fmt,...)
{
	va_list		ap;

	fprintf(f, "pgwire connect: connection to server at \"%s\", port %s failed: ",
			s->hostaddr ? s->hostaddr : s->host, s->port);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static int
open_socket(const settings *s)
{
	int			fd = -1;

	if (is_unix(s))
	{
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/.s.PGSQL.%s", s->host, s->port) >=
			(int) sizeof(sun.sun_path))
			return -1;
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *) &sun, sizeof(sun)) != 0)
		{
			fprintf(stderr, "pgwire connect: connection to server on socket \"%s\" failed: %s\n",
					sun.sun_path, strerror(errno));
			close(fd);
			return -1;
		}
		return fd;
	}
	else
	{
		struct addrinfo hints,
				   *res,
				   *ai;
		int			rc;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		/* hostaddr is an address, never looked up; host then only names the server. */
		if (s->hostaddr)
		{
			hints.ai_flags = AI_NUMERICHOST;
			rc = getaddrinfo(s->hostaddr, s->port, &hints, &res);
		}
		else
			rc = getaddrinfo(s->host, s->port, &hints, &res);
		if (rc != 0)
		{
			if (s->hostaddr)
				fprintf(stderr, "pgwire connect: could not parse network address \"%s\": %s\n",
						s->hostaddr, gai_strerror(rc));
			else
				fprintf(stderr, "pgwire connect: could not translate host name \"%s\" to address: %s\n",
						s->host, gai_strerror(rc));
			return -1;
		}
		for (ai = res; ai; ai = ai->ai_next)
		{
			fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
			if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
				break;
			if (fd >= 0)
				close(fd);
			fd = -1;
		}
		if (fd < 0)
			conn_failed(stderr, s, "%s", strerror(errno));
		freeaddrinfo(res);
	}
	return fd;
}

static int
send_all(transport *t, const uint8_t *p, size_t n)
{
	while (n > 0)
	{
		ssize_t		w;

		if (t->ssl)
		{
			int			r = SSL_write(t->ssl, p, (int) (n > 65536 ? 65536 : n));

			if (r <= 0)
				return -1;
			w = r;
		}
		else
		{
			w = send(t->fd, p, n, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
		}
		p += w;
		n -= (size_t) w;
	}
	return 0;
}

/* Read once; 0 at EOF, -1 on error, else the byte count. */
static ssize_t
recv_some(transport *t, uint8_t *buf, size_t cap)
{
	if (t->ssl)
	{
		int			r = SSL_read(t->ssl, buf, (int) cap);

		if (r > 0)
			return r;
		return SSL_get_error(t->ssl, r) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
	}
	for (;;)
	{
		ssize_t		r = recv(t->fd, buf, cap, 0);

		if (r < 0 && errno == EINTR)
			continue;
		return r;
	}
}

/* ---- TLS, as libpq sets it up --------------------------------------------- */

/*
 * The file a TLS setting names, or libpq's default ~/.postgresql/NAME when
 * the setting is empty; "" when there is no home directory either.
 */
static void
tls_file(const char *setting, const char *name, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (setting && *setting)
	{
		snprintf(buf, len, "%s", setting);
		return;
	}
	if ((home == NULL || *home == '\0') && (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (home && *home)
		snprintf(buf, len, "%s/.postgresql/%s", home, name);
	else
		buf[0] = '\0';
}

/* OpenSSL's reason for the last error, as libpq's SSLerrmessage(). */
static const char *
ssl_reason(unsigned long code)
{
	static char buf[64];
	const char *r;

	if (code == 0)
		return "no SSL error reported";
	if ((r = ERR_reason_error_string(code)) != NULL)
		return r;
	snprintf(buf, sizeof(buf), "SSL error code %lu", code);
	return buf;
}

/*
 * The root certificate (sslrootcert, default ~/.postgresql/root.crt).  As
 * libpq, a file that exists is used to verify the server whatever the
 * sslmode, and verify-ca/verify-full fail without one.  *have_root says
 * whether it was loaded.
 */
static int
load_root_cert(SSL_CTX *ctx, const settings *st, FILE *errf, int *have_root)
{
	char		path[4096];
	struct stat sb;

	*have_root = 0;
	tls_file(st->sslrootcert, "root.crt", path, sizeof(path));
	if (path[0] && stat(path, &sb) == 0)
	{
		if (SSL_CTX_load_verify_locations(ctx, path, NULL) != 1)
		{
			conn_failed(errf, st, "could not read root certificate file \"%s\": %s", path,
						ssl_reason(ERR_get_error()));
			return -1;
		}
		*have_root = 1;
		return 0;
	}
	if (st->sslmode[0] != 'v')
		return 0;
	if (path[0])
		conn_failed(errf, st, "root certificate file \"%s\" does not exist\n"
					"Either provide the file or change sslmode to disable server certificate verification.",
					path);
	else
		conn_failed(errf, st, "could not get home directory to locate root certificate file\n"
					"Either provide the file or change sslmode to disable server certificate verification.");
	return -1;
}

/*
 * The client certificate (sslcert, default ~/.postgresql/postgresql.crt)
 * and its key (sslkey, default postgresql.key), sent when the server asks.
 * As libpq, a certificate file that does not exist means none is sent, and
 * the key must not be readable by group or others.
 */
static int
load_client_cert(SSL_CTX *ctx, const settings *st, FILE *errf)
{
	char		path[4096];
	struct stat sb;

	tls_file(st->sslcert, "postgresql.crt", path, sizeof(path));
	if (path[0] == '\0')
		return 0;
	if (stat(path, &sb) != 0)
	{
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		conn_failed(errf, st, "could not open certificate file \"%s\": %s", path, strerror(errno));
		return -1;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1)
	{
		conn_failed(errf, st, "could not read certificate file \"%s\": %s", path,
					ssl_reason(ERR_get_error()));
		return -1;
	}
	tls_file(st->sslkey, "postgresql.key", path, sizeof(path));
	if (stat(path, &sb) != 0)
	{
		if (errno == ENOENT)
			conn_failed(errf, st, "certificate present, but not private key file \"%s\"", path);
		else
			conn_failed(errf, st, "could not stat private key file \"%s\": %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode))
	{
		conn_failed(errf, st, "private key file \"%s\" is not a regular file", path);
		return -1;
	}
	if ((sb.st_uid == geteuid() && (sb.st_mode & (S_IRWXG | S_IRWXO))) ||
		(sb.st_uid == 0 && (sb.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO))))
	{
		conn_failed(errf, st, "private key file \"%s\" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root",
					path);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) != 1)
	{
		conn_failed(errf, st, "could not load private key file \"%s\": %s", path,
					ssl_reason(ERR_get_error()));
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1)
	{
		conn_failed(errf, st, "certificate does not match private key file \"%s\": %s", path,
					ssl_reason(ERR_get_error()));
		return -1;
	}
	return 0;
}

/* Is host an IPv4 or IPv6 address rather than a name? */
static int
is_ip_address(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/*
 * The subjectAltNames of cert that libpq examines (dNSName, iPAddress):
 * how many, the first as text, and whether one is of the host's own kind.
 */
static int
san_names(X509 *cert, int host_is_ip, char *first, size_t len, int *same_kind)
{
	GENERAL_NAMES *san = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int			n = 0;

	*same_kind = 0;
	for (int i = 0; san && i < sk_GENERAL_NAME_num(san); i++)
	{
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(san, i);
		char		text[INET6_ADDRSTRLEN] = "";

		if (gn->type == GEN_DNS)
			snprintf(text, sizeof(text), "%.*s", ASN1_STRING_length(gn->d.dNSName),
					 (const char *) ASN1_STRING_get0_data(gn->d.dNSName));
		else if (gn->type == GEN_IPADD)
			inet_ntop(ASN1_STRING_length(gn->d.iPAddress) == 16 ? AF_INET6 : AF_INET,
					  ASN1_STRING_get0_data(gn->d.iPAddress), text, sizeof(text));
		else
			continue;
		if ((gn->type == GEN_IPADD) == host_is_ip)
			*same_kind = 1;
		if (n++ == 0)
			snprintf(first, len, "%s", text);
	}
	GENERAL_NAMES_free(san);
	return n;
}

/*
 * sslmode=verify-full: the server certificate must name the host we were
 * given, matched by OpenSSL's X509_check_host/X509_check_ip_asc.  As
 * libpq: dNSName and iPAddress SANs, and the subject's CN only when no SAN
 * is of the host's own kind (a DNS name or an IP address).
 */
static int
check_host_name(X509 *cert, const settings *st, FILE *errf)
{
	const char *host = st->host;
	int			host_is_ip,
				same_kind,
				names;
	unsigned int flags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
	char		first[256] = "";

	if (host == NULL || *host == '\0')
	{
		conn_failed(errf, st, "host name must be specified for a verified SSL connection");
		return -1;
	}
	host_is_ip = is_ip_address(host);
	names = san_names(cert, host_is_ip, first, sizeof(first), &same_kind);
	flags |= same_kind ? X509_CHECK_FLAG_NEVER_CHECK_SUBJECT : X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT;
	if (X509_check_host(cert, host, 0, flags, NULL) == 1 ||
		(host_is_ip && X509_check_ip_asc(cert, host, 0) == 1))
		return 0;
	if (!same_kind)
	{
		X509_NAME  *subject = X509_get_subject_name(cert);
		int			cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);

		if (cn >= 0)
		{
			ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, cn));

			if (names++ == 0)
				snprintf(first, sizeof(first), "%.*s", ASN1_STRING_length(d),
						 (const char *) ASN1_STRING_get0_data(d));
		}
	}
	if (names > 1)
		conn_failed(errf, st, "server certificate for \"%s\" (and %d other name%s) does not match host name \"%s\"",
					first, names - 1, names == 2 ? "" : "s", host);
	else if (names == 1)
		conn_failed(errf, st, "server certificate for \"%s\" does not match host name \"%s\"", first, host);
	else
		conn_failed(errf, st, "could not get server's host name from server certificate");
	return -1;
}

/* The handshake's failure, worded as libpq's. */
static void
handshake_failed(SSL *ssl, int r, const settings *st, FILE *errf)
{
	int			e = SSL_get_error(ssl, r);
	unsigned long code = ERR_get_error();

	if (e == SSL_ERROR_SYSCALL && code == 0)
		conn_failed(errf, st, "SSL SYSCALL error: %s", r == 0 || errno == 0 ? "EOF detected" : strerror(errno));
	else
		conn_failed(errf, st, "SSL error: %s", ssl_reason(code));
}

/* The tls-server-end-point channel binding hash of the server certificate. */
static void
cbind_hash(X509 *cert, uint8_t *cbind, size_t *cbind_len)
{
	int			md_nid = NID_undef;
	unsigned char *der = NULL;
	int			derlen;

	*cbind_len = 0;
	if (OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, NULL) &&
		(derlen = i2d_X509(cert, &der)) > 0)
	{
		if (pgwire_cbind_hash(der, (size_t) derlen, md_nid, cbind, cbind_len, NULL) != PGWIRE_OK)
			*cbind_len = 0;
		OPENSSL_free(der);
	}
}

/*
 * The TLS handshake for st->sslmode, errors to errf.  The server is
 * verified against the root certificate when there is one (verify-ca and
 * verify-full demand it) and its name checked for verify-full; require,
 * prefer and allow without a root certificate only encrypt, as libpq.
 */
static int
start_tls(transport *t, const settings *st, FILE *errf, uint8_t *cbind, size_t *cbind_len)
{
	X509	   *cert;
	int			have_root,
				r,
				rc = 0;

	*cbind_len = 0;
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (t->ctx == NULL)
		return -1;
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	if (load_root_cert(t->ctx, st, errf, &have_root) != 0 ||
		load_client_cert(t->ctx, st, errf) != 0)
		return -1;
	SSL_CTX_set_verify(t->ctx, have_root ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	t->ssl = SSL_new(t->ctx);
	if (t->ssl == NULL || SSL_set_fd(t->ssl, t->fd) != 1)
		return -1;
	/* Server Name Indication for a host name, as libpq's sslsni=1. */
	if (st->host && *st->host && !is_ip_address(st->host))
		SSL_set_tlsext_host_name(t->ssl, st->host);
	ERR_clear_error();
	if ((r = SSL_connect(t->ssl)) != 1)
	{
		handshake_failed(t->ssl, r, st, errf);
		return -1;
	}
	cert = SSL_get_peer_certificate(t->ssl);
	if (cert == NULL)
		return 0;
	if (strcmp(st->sslmode, "verify-full") == 0)
		rc = check_host_name(cert, st, errf);
	if (rc == 0)
		cbind_hash(cert, cbind, cbind_len);
	X509_free(cert);
	return rc;
}

static void
close_transport(transport *t)
{
	if (t->ssl)
	{
		SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
	}
	if (t->ctx)
		SSL_CTX_free(t->ctx);
	if (t->fd >= 0)
		close(t->fd);
}

/* ---- output -------------------------------------------------------------------- */

typedef struct result
{
	int			ncols;
	char	  **names;
	uint32_t   *types;
	size_t		nrows;
	size_t		cap;
	char	  **cells;			/* nrows * ncols; NULL is SQL NULL */
} result;

static void
result_clear(result *r)
{
	for (size_t i = 0; i < r->nrows * (size_t) r->ncols; i++)
		free(r->cells[i]);
	for (int i = 0; i < r->ncols; i++)
		free(r->names[i]);
	free(r->cells);
	free(r->names);
	free(r->types);
	memset(r, 0, sizeof(*r));
}

static void
result_describe(result *r, const pgwire_msg *m)
{
	pgwire_iter it;
	pgwire_column col;
	int			i = 0;

	result_clear(r);
	r->ncols = (int) m->u.row_description.fields.count;
	r->names = calloc((size_t) r->ncols + 1, sizeof(char *));
	r->types = calloc((size_t) r->ncols + 1, sizeof(uint32_t));
	pgwire_iter_init(&it, &m->u.row_description.fields);
	while (pgwire_next_column(&it, &col))
	{
		r->names[i] = strndup((const char *) col.name.ptr, col.name.len);
		r->types[i++] = col.type_oid;
	}
}

static void
result_add_row(result *r, const pgwire_msg *m)
{
	pgwire_iter it;
	pgwire_value v;
	size_t		base;
	int			i = 0;

	if (r->nrows == r->cap)
	{
		r->cap = r->cap ? r->cap * 2 : 64;
		r->cells = realloc(r->cells, r->cap * (size_t) r->ncols * sizeof(char *) + 1);
	}
	base = r->nrows * (size_t) r->ncols;
	pgwire_iter_init(&it, &m->u.data_row.values);
	while (pgwire_next_value(&it, &v) && i < r->ncols)
		r->cells[base + i++] = v.len < 0 ? NULL : strndup((const char *) v.ptr, (size_t) v.len);
	while (i < r->ncols)
		r->cells[base + i++] = NULL;
	r->nrows++;
}

/* One UTF-8 character at s (n bytes left): its code point and length. */
static int
utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	int			len = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 :
		(s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;

	if (len == 0 || (size_t) len > n)
	{
		*cp = s[0];
		return -1;
	}
	*cp = len == 1 ? s[0] : (uint32_t) (s[0] & (0x7F >> len));
	for (int i = 1; i < len; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
		{
			*cp = s[0];
			return -1;
		}
		*cp = (*cp << 6) | (s[i] & 0x3F);
	}
	return len;
}

/* Display width of s[0..len) (no control characters: see display_form). */
static size_t
disp_width(const char *s, size_t len)
{
	size_t		w = 0;

	for (size_t i = 0; i < len;)
	{
		uint32_t	cp;
		int			n = utf8_char((const unsigned char *) s + i, len - i, &cp);
		int			cw = n > 0 ? wcwidth((wchar_t) cp) : 1;

		w += cw > 0 ? (size_t) cw : 0;
		i += n > 0 ? (size_t) n : 1;
	}
	return w;
}

/*
 * A value as psql's aligned format shows it (print.c pg_wcsformat): tabs
 * expanded to the next multiple of 8 columns, CR as \r, other control
 * characters as \xNN (or \uNNNN beyond ASCII); newlines stay and split
 * the value into lines.  Returns a malloc'd string.
 */
static char *
display_form(const char *v)
{
	size_t		len = strlen(v);
	char	   *o = malloc(len * 8 + 1);
	size_t		j = 0,
				col = 0;

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < len;)
	{
		uint32_t	cp;
		int			n = utf8_char((const unsigned char *) v + i, len - i, &cp);

		if (n == 1 && cp == '\n')
		{
			o[j++] = '\n';
			col = 0;
		}
		else if (n == 1 && cp == '\t')
			do
			{
				o[j++] = ' ';
			} while (++col % 8 != 0);
		else if (n == 1 && cp == '\r')
		{
			memcpy(o + j, "\\r", 2);
			j += 2;
			col += 2;
		}
		else if (n == 1 && (cp < 0x20 || cp == 0x7F))
		{
			j += (size_t) sprintf(o + j, "\\x%02X", (unsigned) cp);
			col += 4;
		}
		else if (n > 1 && wcwidth((wchar_t) cp) < 0 && cp >= 0x80 && cp < 0xA0)
		{
			j += (size_t) sprintf(o + j, "\\u%04X", (unsigned) cp);
			col += 6;
		}
		else
		{
			size_t		k = n > 0 ? (size_t) n : 1;

			memcpy(o + j, v + i, k);
			j += k;
			col += disp_width(v + i, k);
		}
		i += n > 0 ? (size_t) n : 1;
	}
	o[j] = '\0';
	return o;
}

/*
 * Line k of a value split at newlines (psql prints each on its own
 * physical line); 0 when the value has no line k.
 */
static int
value_line(const char *v, int k, const char **p, size_t *len)
{
	for (; k > 0; k--)
	{
		v = strchr(v, '\n');
		if (v == NULL)
			return 0;
		v++;
	}
	*p = v;
	*len = strcspn(v, "\n");
	return 1;
}

static int
value_lines(const char *v)
{
	int			n = 1;

	for (; *v; v++)
		n += *v == '\n';
	return n;
}

/* psql right-aligns these types (print.c column_type_alignment). */
static int
right_aligned(uint32_t oid)
{
	switch (oid)
	{
		case 20: case 21: case 23: case 26: case 28: case 29:
		case 700: case 701: case 790: case 1700: case 5069:
			return 1;
	}
	return 0;
}

static void
pad(size_t n)
{
	while (n-- > 0)
		putchar(' ');
}

static const char *
cell(const result *r, size_t row, int col)
{
	const char *v = r->cells[row * (size_t) r->ncols + col];

	return v ? v : "";
}

static void print_columns(const result *raw);

/*
 * psql's default output: aligned, border 1, header centred, values with
 * newlines split over lines with a '+' wrap marker, then "(N rows)".
 */
static void
print_aligned(const result *raw)
{
	if (raw->ncols == 0)
	{
		/* psql: no header, "--" as the rule, no lines for the rows */
		printf("--\n(%zu row%s)\n\n", raw->nrows, raw->nrows == 1 ? "" : "s");
		return;
	}
	print_columns(raw);
}

static void
print_columns(const result *raw)
{
	result		shown = *raw;
	const result *r = &shown;
	size_t		ncells = raw->nrows * (size_t) raw->ncols;
	size_t	   *w = calloc((size_t) raw->ncols + 1, sizeof(size_t));

	/* Work on the display forms; NULL stays NULL (shown empty). */
	shown.names = calloc((size_t) raw->ncols + 1, sizeof(char *));
	shown.cells = calloc(ncells + 1, sizeof(char *));
	for (int c = 0; c < raw->ncols; c++)
		shown.names[c] = display_form(raw->names[c]);
	for (size_t i = 0; i < ncells; i++)
		shown.cells[i] = raw->cells[i] ? display_form(raw->cells[i]) : NULL;

	for (int c = 0; c < r->ncols; c++)
	{
		w[c] = disp_width(r->names[c], strlen(r->names[c]));
		for (size_t i = 0; i < r->nrows; i++)
		{
			const char *lp;
			size_t		ll;

			for (int k = 0; value_line(cell(r, i, c), k, &lp, &ll); k++)
				if (disp_width(lp, ll) > w[c])
					w[c] = disp_width(lp, ll);
		}
	}
	for (int c = 0; c < r->ncols; c++)
	{
		size_t		dw = disp_width(r->names[c], strlen(r->names[c]));
		size_t		left = (w[c] - dw) / 2;

		fputs(c == 0 ? " " : " | ", stdout);
		pad(left);
		fputs(r->names[c], stdout);
		pad(w[c] - dw - left);
	}
	fputs(r->ncols ? " \n" : "\n", stdout);
	for (int c = 0; c < r->ncols; c++)
	{
		if (c > 0)
			putchar('+');
		for (size_t i = 0; i < w[c] + 2; i++)
			putchar('-');
	}
	putchar('\n');
	for (size_t i = 0; i < r->nrows; i++)
	{
		int			nlines = 1;

		for (int c = 0; c < r->ncols; c++)
			if (value_lines(cell(r, i, c)) > nlines)
				nlines = value_lines(cell(r, i, c));
		for (int k = 0; k < nlines; k++)
		{
			for (int c = 0; c < r->ncols; c++)
			{
				const char *lp = "";
				size_t		ll = 0,
							dw;
				int			more = value_lines(cell(r, i, c)) > k + 1;
				int			last = c == r->ncols - 1;

				int			has = value_line(cell(r, i, c), k, &lp, &ll);

				dw = disp_width(lp, ll);
				if (c == 0)
					putchar(' ');
				/* psql leaves the last column blank once its value has ended. */
				if (right_aligned(r->types[c]) && (has || !last))
					pad(w[c] - dw);
				fwrite(lp, 1, ll, stdout);
				if (!right_aligned(r->types[c]) && (!last || more))
					pad(w[c] - dw);
				if (last)
				{
					if (more)
						putchar('+');
				}
				else
					fputs(more ? "+| " : " | ", stdout);
			}
			putchar('\n');
		}
	}
	printf("(%zu row%s)\n\n", r->nrows, r->nrows == 1 ? "" : "s");
	free(w);
	for (int c = 0; c < raw->ncols; c++)
		free(shown.names[c]);
	for (size_t i = 0; i < ncells; i++)
		free(shown.cells[i]);
	free(shown.names);
	free(shown.cells);
}

static void
csv_field(const char *v)
{
	if (v[0] != '\0' && strcspn(v, ",\"\r\n") == strlen(v) && strcmp(v, "\\.") != 0)
	{
		fputs(v, stdout);
		return;
	}
	if (v[0] == '\0')
		return;
	putchar('"');
	for (; *v; v++)
	{
		if (*v == '"')
			putchar('"');
		putchar(*v);
	}
	putchar('"');
}

static void
print_csv(const result *r)
{
	for (int c = 0; c < r->ncols; c++)
	{
		if (c)
			putchar(',');
		csv_field(r->names[c]);
	}
	putchar('\n');
	/* psql --csv writes no line for a row without columns */
	for (size_t i = 0; i < r->nrows && r->ncols > 0; i++)
	{
		for (int c = 0; c < r->ncols; c++)
		{
			const char *v = r->cells[i * (size_t) r->ncols + c];

			if (c)
				putchar(',');
			csv_field(v ? v : "");
		}
		putchar('\n');
	}
}

/* An ErrorResponse/NoticeResponse: severity, SQLSTATE, message, detail, hint. */
static void
print_error(FILE *f, const pgwire_msg *m)
{
	static const struct
	{
		uint8_t		code;
		const char *label;
	}			extra[] = {{'D', "DETAIL"}, {'H', "HINT"}, {'W', "CONTEXT"}};
	pgwire_slice sev,
				code,
				msg,
				v;

	if (!pgwire_error_field_get(m, 'V', &sev) && !pgwire_error_field_get(m, 'S', &sev))
		sev.ptr = (const uint8_t *) "ERROR", sev.len = 5;
	if (!pgwire_error_field_get(m, 'M', &msg))
		msg.ptr = (const uint8_t *) "", msg.len = 0;
	if (pgwire_error_field_get(m, 'C', &code))
		fprintf(f, "%.*s:  %.*s: %.*s\n", (int) sev.len, sev.ptr, (int) code.len, code.ptr,
				(int) msg.len, msg.ptr);
	else
		fprintf(f, "%.*s:  %.*s\n", (int) sev.len, sev.ptr, (int) msg.len, msg.ptr);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (pgwire_error_field_get(m, extra[i].code, &v))
			fprintf(f, "%s:  %.*s\n", extra[i].label, (int) v.len, v.ptr);
}

/* ---- the session ------------------------------------------------------------- */

typedef struct session
{
	transport	t;
	pgwire_conn *conn;
	int			csv;
	int			trace;
	int			had_error;
	result		res;
	int			have_rows;
	int			copied_out;		/* the current command was COPY TO STDOUT */
	/* Startup errors, shown only if no attempt succeeds (as libpq). */
	FILE	   *startup_err;
	char	   *startup_text;
	size_t		startup_len;
	int			tls_failed;		/* the last attempt failed in the TLS handshake */
} session;

/* sslmode require, verify-ca or verify-full: no connection without TLS. */
static int
ssl_required(const settings *st)
{
	return strcmp(st->sslmode, "require") == 0 || st->sslmode[0] == 'v';
}

static void
trace_cb(void *arg, const pgwire_msg *m)
{
	pgwire_buf	b;
	struct timeval tv;

	(void) arg;
	gettimeofday(&tv, NULL);
	pgwire_buf_init(&b, NULL);
	if (pgwire_trace_write(m, &b, 0, (int64_t) tv.tv_sec * 1000000 + tv.tv_usec) == PGWIRE_OK)
		fwrite(b.data, 1, b.len, stderr);
	pgwire_buf_free(&b);
}

static int
flush_out(session *s)
{
	size_t		n;
	const uint8_t *p = pgwire_conn_output(s->conn, &n);

	if (n == 0)
		return 0;
	if (send_all(&s->t, p, n) != 0)
	{
		fprintf(stderr, "pgwire connect: could not send data to server: %s\n", strerror(errno));
		return -1;
	}
	pgwire_conn_consume(s->conn, n);
	return 0;
}

/*
 * Next event, sending queued output and reading when the machine needs
 * bytes.  0 with *ev, -1 on failure (reported).
 */
static int
next_event(session *s, pgwire_conn_event *ev)
{
	uint8_t		buf[65536];
	pgwire_error err;

	for (;;)
	{
		int			rc;
		ssize_t		n;

		memset(&err, 0, sizeof(err));
		rc = pgwire_conn_next(s->conn, ev, &err);
		if (rc == PGWIRE_OK)
			return 0;
		if (rc != PGWIRE_INCOMPLETE)
		{
			fprintf(stderr, "pgwire connect: %s\n", err.detail[0] ? err.detail : pgwire_strerror(rc));
			return -1;
		}
		if (flush_out(s) != 0)
			return -1;
		n = recv_some(&s->t, buf, sizeof(buf));
		if (n <= 0)
		{
			fprintf(stderr, "pgwire connect: server closed the connection unexpectedly\n");
			return -1;
		}
		if (pgwire_conn_feed(s->conn, buf, (size_t) n) != PGWIRE_OK)
			return -1;
	}
}

static int
do_startup(session *s, const settings *st)
{
	pgwire_conn_event ev;
	int			tls_required = ssl_required(st);

	for (;;)
	{
		if (next_event(s, &ev) != 0)
			return -1;
		switch (ev.kind)
		{
			case PGWIRE_CONN_EV_TLS_START:
				{
					uint8_t		cb[PGWIRE_CBIND_MAX];
					size_t		cblen;

					if (flush_out(s) != 0)
						return -1;
					if (start_tls(&s->t, st, s->startup_err, cb, &cblen) != 0)
					{
						s->tls_failed = 1;
						return -1;
					}
					pgwire_conn_tls_done(s->conn, cb, cblen);
					break;
				}
			case PGWIRE_CONN_EV_TLS_REFUSED:
				if (tls_required)
				{
					fprintf(s->startup_err, "pgwire connect: server does not support SSL, but SSL was required\n");
					return -1;
				}
				break;
			case PGWIRE_CONN_EV_PASSWORD_NEEDED:
				fprintf(s->startup_err, "pgwire connect: fe_sendauth: no password supplied\n");
				return -1;
			case PGWIRE_CONN_EV_ERROR:
				print_error(s->startup_err, ev.msg);
				return 1;
			case PGWIRE_CONN_EV_NOTICE:
				print_error(s->startup_err, ev.msg);
				break;
			case PGWIRE_CONN_EV_READY_FOR_QUERY:
				return 0;
			default:
				break;
		}
	}
}

static void
print_result(session *s)
{
	if (!s->have_rows)
		return;
	if (s->csv)
		print_csv(&s->res);
	else
		print_aligned(&s->res);
	result_clear(&s->res);
	s->have_rows = 0;
}

/* Run events until ReadyForQuery, printing results like psql. */
static int
run_query(session *s)
{
	pgwire_conn_event ev;
	pgwire_error err;

	for (;;)
	{
		if (next_event(s, &ev) != 0)
			return -1;
		switch (ev.kind)
		{
			case PGWIRE_CONN_EV_ROW_DESCRIPTION:
				result_describe(&s->res, ev.msg);
				s->have_rows = 1;
				break;
			case PGWIRE_CONN_EV_DATA_ROW:
				if (s->have_rows)
					result_add_row(&s->res, ev.msg);
				break;
			case PGWIRE_CONN_EV_COMMAND_COMPLETE:
				if (s->have_rows)
					print_result(s);
				else if (s->copied_out)
					s->copied_out = 0;	/* psql keeps stdout for the data */
				else
					printf("%.*s\n", (int) ev.msg->u.command_complete.tag.len,
						   ev.msg->u.command_complete.tag.ptr);
				break;
			case PGWIRE_CONN_EV_ERROR:
				result_clear(&s->res);
				s->have_rows = 0;
				print_error(stderr, ev.msg);
				s->had_error = 1;
				break;
			case PGWIRE_CONN_EV_NOTICE:
				print_error(stderr, ev.msg);
				break;
			case PGWIRE_CONN_EV_COPY_OUT:
				s->copied_out = 1;
				break;
			case PGWIRE_CONN_EV_COPY_DATA:
				fwrite(ev.msg->u.copy_data.data.ptr, 1, ev.msg->u.copy_data.data.len, stdout);
				break;
			case PGWIRE_CONN_EV_COPY_IN:
				{
					char		buf[65536];
					size_t		n;

					while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
						if (pgwire_conn_copy_data(s->conn, buf, n, &err) != PGWIRE_OK ||
							flush_out(s) != 0)
							return -1;
					if (ferror(stdin))
						pgwire_conn_copy_fail(s->conn, "error reading standard input", &err);
					else
						pgwire_conn_copy_done(s->conn, &err);
					break;
				}
			case PGWIRE_CONN_EV_READY_FOR_QUERY:
				print_result(s);
				return 0;
			default:
				break;
		}
	}
}

static void
close_session(session *s)
{
	pgwire_conn_free(s->conn);
	s->conn = NULL;
	close_transport(&s->t);
	memset(&s->t, 0, sizeof(s->t));
	s->t.fd = -1;
}

/*
 * Connect and run startup.  0 ready for queries, 1 the server refused us
 * with an ErrorResponse (reported), -1 any other failure (reported).
 */
static int
open_session(session *s, const settings *st, const pgwire_conn_options *o)
{
	s->conn = pgwire_conn_create(o, NULL);
	if (s->conn == NULL)
	{
		fprintf(stderr, "pgwire connect: out of memory\n");
		return -1;
	}
	if (s->trace)
		pgwire_conn_set_trace(s->conn, trace_cb, NULL);
	s->tls_failed = 0;
	s->t.fd = open_socket(st);
	if (s->t.fd < 0)
		return -1;
	return do_startup(s, st);
}

/*
 * Whether standard input holds SQL: a pipe or a file.  A terminal (no
 * prompt here), /dev/null or a closed descriptor does not: then, without
 * -c, pgwire connect only connects, authenticates and says goodbye.
 */
static int
stdin_is_input(void)
{
	struct stat sb;

	return fstat(STDIN_FILENO, &sb) == 0 && (S_ISFIFO(sb.st_mode) || S_ISREG(sb.st_mode));
}

/* All of standard input as a string; NULL on a read error or a NUL byte. */
static char *
read_stdin(void)
{
	uint8_t    *data;
	size_t		len;
	char	   *text;

	if (tool_read_all(NULL, &data, &len) < 0)
		return NULL;
	if ((text = realloc(data, len + 1)) == NULL || memchr(text, '\0', len) != NULL)
	{
		fprintf(stderr, "pgwire connect: cannot read SQL from standard input\n");
		free(text ? text : (char *) data);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: pgwire connect [CONNINFO] [-c SQL] [--param VALUE]... [--csv] [--trace]\n"
			"  CONNINFO   postgresql://user:pass@host:port/db?sslmode=... or \"key=value ...\"\n"
			"             sslmode: disable, allow, prefer, require, verify-ca, verify-full;\n"
			"             sslrootcert, sslcert, sslkey: files, as libpq (default ~/.postgresql/)\n"
			"             (defaults from PGHOST, PGHOSTADDR, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,\n"
			"             PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY, PGCHANNELBINDING, PGAPPNAME)\n"
			"  -c SQL     run SQL (simple query; with --param: Parse/Bind/Execute); repeatable,\n"
			"             run in order; without -c, SQL piped to standard input is run\n"
			"  --param V  a text parameter for $1, $2 ... (repeatable)\n"
			"  --csv      print results as CSV (like psql --csv)\n"
			"  --trace    print every message both ways in PQtrace format to stderr\n"
			"  --show-auth  print the authentication method used to stderr\n");
}

int
cmd_connect(int argc, char **argv)
{
	const char *conninfo = NULL;
	const char *sqls[MAX_COMMANDS];
	char	   *input = NULL;
	const char *params[MAX_PARAMS];
	int			nsqls = 0,
				nparams = 0,
				show_auth = 0,
				rc = 0;
	settings	st;
	session		s;
	pgwire_conn_options o;
	pgwire_error err;

	memset(&s, 0, sizeof(s));
	s.t.fd = -1;
	/* Column widths follow the characters, as psql's do in UTF-8. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");
	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc && nsqls < MAX_COMMANDS)
			sqls[nsqls++] = argv[++i];
		else if (strcmp(argv[i], "--param") == 0 && i + 1 < argc && nparams < MAX_PARAMS)
			params[nparams++] = argv[++i];
		else if (strcmp(argv[i], "--csv") == 0)
			s.csv = 1;
		else if (strcmp(argv[i], "--trace") == 0)
			s.trace = 1;
		else if (strcmp(argv[i], "--show-auth") == 0)
			show_auth = 1;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
		{
			usage();
			return 0;
		}
		else if (argv[i][0] != '-' && conninfo == NULL)
			conninfo = argv[i];
		else
		{
			usage();
			return 2;
		}
	}
	if (nparams > 0 && nsqls != 1)
	{
		fprintf(stderr, "pgwire connect: --param needs exactly one -c\n");
		return 2;
	}
	if (nsqls == 0 && stdin_is_input())
	{
		/* like psql without -c, but sent as one Query */
		if ((input = read_stdin()) == NULL)
			return 2;
		if (input[strspn(input, " \t\r\n")] != '\0')
			sqls[nsqls++] = input;
	}
	if (load_settings(&st, conninfo) != 0)
	{
		free_settings(&st);
		free(input);
		return 2;
	}
	memset(&o, 0, sizeof(o));
	o.user = st.user;
	o.database = st.dbname;
	o.password = st.password;
	o.application_name = st.application_name;
	o.ssl_request = !is_unix(&st) && strcmp(st.sslmode, "disable") != 0 &&
		strcmp(st.sslmode, "allow") != 0;
	o.channel_binding = strcmp(st.channel_binding, "require") == 0 ? PGWIRE_CBIND_MODE_REQUIRE :
		strcmp(st.channel_binding, "disable") == 0 ? PGWIRE_CBIND_MODE_DISABLE :
		PGWIRE_CBIND_MODE_PREFER;
	if (is_unix(&st) && ssl_required(&st))
	{
		fprintf(stderr, "pgwire connect: SSL over a Unix-domain socket is not supported\n");
		free_settings(&st);
		return 2;
	}
	s.startup_err = open_memstream(&s.startup_text, &s.startup_len);
	if (s.startup_err == NULL)
		s.startup_err = stderr;
	rc = open_session(&s, &st, &o);
	/*
	 * libpq's second attempt: sslmode=prefer retries without TLS and
	 * sslmode=allow with TLS when the server refused the first try (a
	 * hostssl or hostnossl line, for instance), and prefer also when the
	 * TLS handshake itself failed.
	 */
	if ((rc == 1 || (s.tls_failed && strcmp(st.sslmode, "prefer") == 0)) && !is_unix(&st) &&
		(strcmp(st.sslmode, "prefer") == 0 || strcmp(st.sslmode, "allow") == 0) &&
		(o.ssl_request ? s.t.ssl != NULL : 1))
	{
		close_session(&s);
		o.ssl_request = !o.ssl_request;
		rc = open_session(&s, &st, &o);
	}
	fflush(s.startup_err);
	if (rc != 0)
	{
		fwrite(s.startup_text, 1, s.startup_len, stderr);
		rc = 2;
		goto done;
	}
	if (show_auth)
		fprintf(stderr, "pgwire connect: authenticated with %s%s\n",
				pgwire_conn_auth_method(s.conn) ? pgwire_conn_auth_method(s.conn) : "trust",
				s.t.ssl ? " over TLS" : "");
	/* each -c in turn, as psql; the exit status is the last one's */
	for (int i = 0; i < nsqls && rc != 2; i++)
	{
		memset(&err, 0, sizeof(err));
		s.had_error = 0;
		if ((nparams > 0 ?
			 pgwire_conn_query_params(s.conn, sqls[i], nparams, NULL, params, NULL, NULL, 0,
									  &err) :
			 pgwire_conn_query(s.conn, sqls[i], &err)) != PGWIRE_OK)
		{
			fprintf(stderr, "pgwire connect: %s\n", err.detail);
			rc = 1;
		}
		else if (run_query(&s) != 0)
			rc = 2;
		else
			rc = s.had_error ? 1 : 0;
	}
	pgwire_conn_terminate(s.conn);
	flush_out(&s);
done:
	fflush(stdout);
	result_clear(&s.res);
	close_session(&s);
	if (s.startup_err && s.startup_err != stderr)
		fclose(s.startup_err);
	free(s.startup_text);
	free_settings(&st);
	free(input);
	return rc;
}
