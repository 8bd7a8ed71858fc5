/*
 * pgwire/message.h
 *    The message catalogue, decoded message views, and decoding.
 *
 * One catalogue (pgwire_msgdef, one entry per message) is the single source
 * of truth: each entry gives the name as the PostgreSQL docs spell it, the
 * type byte, the direction and the body layout as a list of fields.  The
 * decoder, the encoder, the JSON/trace/byte-map renderers and the JSON
 * reader are all driven by these layouts, so a message is added in one
 * place.
 *
 * Decoding never allocates: strings and byte fields are slices into the
 * frame; repeated groups (DataRow values, RowDescription fields, Bind
 * parameters, error fields, startup parameters) are kept as a count and a
 * slice, read with the iterators below.  A message that decodes OK has been
 * checked completely, so the iterators cannot fail.
 *
 * Source: PostgreSQL docs, "Frontend/Backend Protocol", "Message Formats"
 * and "Error and Notice Message Fields"; src/include/libpq/protocol.h.
 */
#ifndef PGWIRE_MESSAGE_H
#define PGWIRE_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/frame.h"
#include "pgwire/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every message libpgwire knows.  Names in comments are the docs'. */
typedef enum pgwire_msg_kind
{
	PGWIRE_MSG_INVALID = 0,

	/* frontend, untyped (startup phase) */
	PGWIRE_MSG_STARTUP_MESSAGE,	/* StartupMessage */
	PGWIRE_MSG_SSL_REQUEST,		/* SSLRequest */
	PGWIRE_MSG_GSSENC_REQUEST,	/* GSSENCRequest */
	PGWIRE_MSG_CANCEL_REQUEST,	/* CancelRequest */

	/* frontend, typed */
	PGWIRE_MSG_BIND,			/* 'B' Bind */
	PGWIRE_MSG_CLOSE,			/* 'C' Close */
	PGWIRE_MSG_COPY_FAIL,		/* 'f' CopyFail */
	PGWIRE_MSG_DESCRIBE,		/* 'D' Describe */
	PGWIRE_MSG_EXECUTE,			/* 'E' Execute */
	PGWIRE_MSG_FLUSH,			/* 'H' Flush */
	PGWIRE_MSG_FUNCTION_CALL,	/* 'F' FunctionCall */
	PGWIRE_MSG_GSS_RESPONSE,	/* 'p' GSSResponse */
	PGWIRE_MSG_PARSE,			/* 'P' Parse */
	PGWIRE_MSG_PASSWORD_MESSAGE,	/* 'p' PasswordMessage */
	PGWIRE_MSG_QUERY,			/* 'Q' Query */
	PGWIRE_MSG_SASL_INITIAL_RESPONSE,	/* 'p' SASLInitialResponse */
	PGWIRE_MSG_SASL_RESPONSE,	/* 'p' SASLResponse */
	PGWIRE_MSG_SYNC,			/* 'S' Sync */
	PGWIRE_MSG_TERMINATE,		/* 'X' Terminate */

	/* both directions */
	PGWIRE_MSG_COPY_DATA,		/* 'd' CopyData */
	PGWIRE_MSG_COPY_DONE,		/* 'c' CopyDone */

	/* backend, typed */
	PGWIRE_MSG_AUTHENTICATION_OK,	/* 'R' 0 */
	PGWIRE_MSG_AUTHENTICATION_KERBEROS_V5,	/* 'R' 2 */
	PGWIRE_MSG_AUTHENTICATION_CLEARTEXT_PASSWORD,	/* 'R' 3 */
	PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD, /* 'R' 5 */
	PGWIRE_MSG_AUTHENTICATION_GSS,	/* 'R' 7 */
	PGWIRE_MSG_AUTHENTICATION_GSS_CONTINUE, /* 'R' 8 */
	PGWIRE_MSG_AUTHENTICATION_SSPI, /* 'R' 9 */
	PGWIRE_MSG_AUTHENTICATION_SASL, /* 'R' 10 */
	PGWIRE_MSG_AUTHENTICATION_SASL_CONTINUE,	/* 'R' 11 */
	PGWIRE_MSG_AUTHENTICATION_SASL_FINAL,	/* 'R' 12 */
	PGWIRE_MSG_BACKEND_KEY_DATA,	/* 'K' BackendKeyData */
	PGWIRE_MSG_BIND_COMPLETE,	/* '2' BindComplete */
	PGWIRE_MSG_CLOSE_COMPLETE,	/* '3' CloseComplete */
	PGWIRE_MSG_COMMAND_COMPLETE,	/* 'C' CommandComplete */
	PGWIRE_MSG_COPY_IN_RESPONSE,	/* 'G' CopyInResponse */
	PGWIRE_MSG_COPY_OUT_RESPONSE,	/* 'H' CopyOutResponse */
	PGWIRE_MSG_COPY_BOTH_RESPONSE,	/* 'W' CopyBothResponse */
	PGWIRE_MSG_DATA_ROW,		/* 'D' DataRow */
	PGWIRE_MSG_EMPTY_QUERY_RESPONSE,	/* 'I' EmptyQueryResponse */
	PGWIRE_MSG_ERROR_RESPONSE,	/* 'E' ErrorResponse */
	PGWIRE_MSG_FUNCTION_CALL_RESPONSE,	/* 'V' FunctionCallResponse */
	PGWIRE_MSG_NEGOTIATE_PROTOCOL_VERSION,	/* 'v' NegotiateProtocolVersion */
	PGWIRE_MSG_NO_DATA,			/* 'n' NoData */
	PGWIRE_MSG_NOTICE_RESPONSE, /* 'N' NoticeResponse */
	PGWIRE_MSG_NOTIFICATION_RESPONSE,	/* 'A' NotificationResponse */
	PGWIRE_MSG_PARAMETER_DESCRIPTION,	/* 't' ParameterDescription */
	PGWIRE_MSG_PARAMETER_STATUS,	/* 'S' ParameterStatus */
	PGWIRE_MSG_PARSE_COMPLETE,	/* '1' ParseComplete */
	PGWIRE_MSG_PORTAL_SUSPENDED,	/* 's' PortalSuspended */
	PGWIRE_MSG_READY_FOR_QUERY, /* 'Z' ReadyForQuery */
	PGWIRE_MSG_ROW_DESCRIPTION, /* 'T' RowDescription */

	/* backend, single unframed byte (names as PostgreSQL 18's PQtrace) */
	PGWIRE_MSG_SSL_RESPONSE,	/* 'S' / 'N' answering SSLRequest */
	PGWIRE_MSG_GSSENC_RESPONSE, /* 'G' / 'N' answering GSSENCRequest */

	/*
	 * Well-framed but not identifiable: a 'p' whose kind depends on an
	 * Authentication request this decoder did not see and whose bytes fit
	 * no form, an 'R' with an unassigned code, or a type byte with no
	 * message in this direction (decoded only with PGWIRE_DECODE_UNKNOWN).
	 */
	PGWIRE_MSG_AUTHENTICATION_RESPONSE, /* 'p', kind unknown */
	PGWIRE_MSG_AUTHENTICATION_UNKNOWN,	/* 'R' with an unassigned code */
	PGWIRE_MSG_UNKNOWN,			/* unknown type byte */

	/*
	 * Replication messages carried inside CopyData (docs: "Streaming
	 * Replication Protocol", START_REPLICATION and BASE_BACKUP).  Decoded by
	 * pgwire_decode_replication() (replication.h), not by pgwire_decode().
	 * Catalogue names are the docs' headings without spaces.
	 */
	PGWIRE_MSG_XLOG_DATA,		/* 'w' XLogData */
	PGWIRE_MSG_PRIMARY_KEEPALIVE,	/* 'k' Primary keepalive message */
	PGWIRE_MSG_STANDBY_STATUS_UPDATE,	/* 'r' Standby status update */
	PGWIRE_MSG_HOT_STANDBY_FEEDBACK,	/* 'h' Hot standby feedback message */
	PGWIRE_MSG_NEW_ARCHIVE,		/* 'n' new archive (BASE_BACKUP) */
	PGWIRE_MSG_MANIFEST,		/* 'm' manifest follows (BASE_BACKUP) */
	PGWIRE_MSG_ARCHIVE_DATA,	/* 'd' archive or manifest data */
	PGWIRE_MSG_PROGRESS_REPORT, /* 'p' progress report (BASE_BACKUP) */

	/*
	 * pgoutput messages (docs: "Logical Replication Message Formats"),
	 * decoded by pgwire_decode_pgoutput() (replication.h).
	 */
	PGWIRE_MSG_LR_BEGIN,		/* 'B' Begin */
	PGWIRE_MSG_LR_MESSAGE,		/* 'M' Message */
	PGWIRE_MSG_LR_COMMIT,		/* 'C' Commit */
	PGWIRE_MSG_LR_ORIGIN,		/* 'O' Origin */
	PGWIRE_MSG_LR_RELATION,		/* 'R' Relation */
	PGWIRE_MSG_LR_TYPE,			/* 'Y' Type */
	PGWIRE_MSG_LR_INSERT,		/* 'I' Insert */
	PGWIRE_MSG_LR_UPDATE,		/* 'U' Update */
	PGWIRE_MSG_LR_DELETE,		/* 'D' Delete */
	PGWIRE_MSG_LR_TRUNCATE,		/* 'T' Truncate */
	PGWIRE_MSG_LR_STREAM_START, /* 'S' Stream Start */
	PGWIRE_MSG_LR_STREAM_STOP,	/* 'E' Stream Stop */
	PGWIRE_MSG_LR_STREAM_COMMIT,	/* 'c' Stream Commit */
	PGWIRE_MSG_LR_STREAM_ABORT, /* 'A' Stream Abort */
	PGWIRE_MSG_LR_BEGIN_PREPARE,	/* 'b' Begin Prepare */
	PGWIRE_MSG_LR_PREPARE,		/* 'P' Prepare */
	PGWIRE_MSG_LR_COMMIT_PREPARED,	/* 'K' Commit Prepared */
	PGWIRE_MSG_LR_ROLLBACK_PREPARED,	/* 'r' Rollback Prepared */
	PGWIRE_MSG_LR_STREAM_PREPARE,	/* 'p' Stream Prepare */

	PGWIRE_MSG__COUNT
} pgwire_msg_kind;

/* A String (len excludes the NUL) or a Byten slice. */
typedef struct pgwire_slice
{
	const uint8_t *ptr;
	size_t		len;
} pgwire_slice;

/* An Int32 length followed by that many bytes; len -1 is SQL NULL. */
typedef struct pgwire_value
{
	const uint8_t *ptr;
	int32_t		len;
} pgwire_value;

/* A repeated group: element count and the wire bytes of all elements. */
typedef struct pgwire_group
{
	uint32_t	count;
	const uint8_t *ptr;
	size_t		len;
} pgwire_group;

/* One RowDescription field (docs: "Field description"). */
typedef struct pgwire_column
{
	pgwire_slice name;
	uint32_t	table_oid;
	int16_t		column_attnum;
	uint32_t	type_oid;
	int16_t		type_size;
	int32_t		type_modifier;
	int16_t		format;
} pgwire_column;

/* One ErrorResponse/NoticeResponse field: code byte and value. */
typedef struct pgwire_error_field
{
	uint8_t		code;
	pgwire_slice value;
} pgwire_error_field;

/* One pgoutput Relation column (Logical Replication Message Formats). */
typedef struct pgwire_lr_column
{
	uint8_t		flags;			/* 1: part of the key */
	pgwire_slice name;
	uint32_t	type_oid;
	int32_t		type_modifier;
} pgwire_lr_column;

/* One StartupMessage parameter. */
typedef struct pgwire_parameter
{
	pgwire_slice name;
	pgwire_slice value;
} pgwire_parameter;

/*
 * A decoded message.  kind selects the union member; frame is the wire
 * form it came from (or, for an encoder input built by hand, zeroed).
 */
typedef struct pgwire_msg
{
	pgwire_msg_kind kind;
	pgwire_frame frame;
	uint8_t		inferred;		/* kind guessed without the other side */
	uint32_t	present;		/* PGWIRE_F_OPTIONAL fields present (bit =
								 * index in the top-level layout) */

	/*
	 * The message carried in this message's last Byten field (a CopyData's
	 * replication payload, an XLogData's pgoutput message), decoded by the
	 * session tracker (session.h); NULL if none.  Owned by the tracker and
	 * valid as long as the outer message.  pgwire_decode() and the payload
	 * decoders leave it NULL; the JSON and trace renderers show it nested.
	 */
	const struct pgwire_msg *inner;

	/*
	 * For a pgoutput Insert, Update or Delete decoded by the session
	 * tracker: the relation it changes, from the tracker's relation cache
	 * (the last Relation message for its OID; replication.h), or NULL when
	 * none was seen.  The JSON renderer then adds the tuples by column
	 * name.  Valid as long as the message.  NULL everywhere else.
	 */
	const struct pgwire_relcache_rel *relation;
	union
	{
		struct
		{
			uint32_t	protocol_version;	/* major << 16 | minor */
			pgwire_group parameters;	/* pgwire_parameter, wire order */
		}			startup_message;
		struct
		{
			int32_t		code;
		}			request;	/* SSLRequest, GSSENCRequest */
		struct
		{
			int32_t		code;
			int32_t		process_id;
			pgwire_slice secret_key;	/* 4 bytes in 3.0, up to 256 in 3.2 */
		}			cancel_request;
		struct
		{
			pgwire_slice portal;
			pgwire_slice statement;
			pgwire_group parameter_formats; /* Int16 each */
			pgwire_group parameters;	/* pgwire_value each */
			pgwire_group result_formats;	/* Int16 each */
		}			bind;
		struct
		{
			uint8_t		target; /* 'S' statement or 'P' portal */
			pgwire_slice name;
		}			close, describe;
		struct
		{
			pgwire_slice data;
		}			copy_data, gss_response, sasl_response;
		struct
		{
			pgwire_slice data;	/* the body */
			uint8_t		type;	/* the type byte */
			uint8_t		untyped;	/* an untyped startup-phase packet */
		}			unknown;
		struct
		{
			pgwire_slice error_message;
		}			copy_fail;
		struct
		{
			pgwire_slice portal;
			int32_t		max_rows;
		}			execute;
		struct
		{
			uint32_t	function_oid;
			pgwire_group argument_formats;	/* Int16 each */
			pgwire_group arguments; /* pgwire_value each */
			int16_t		result_format;
		}			function_call;
		struct
		{
			pgwire_slice statement;
			pgwire_slice query;
			pgwire_group parameter_types;	/* uint32 OID each */
		}			parse;
		struct
		{
			pgwire_slice password;
		}			password_message;
		struct
		{
			pgwire_slice query;
		}			query;
		struct
		{
			pgwire_slice mechanism;
			pgwire_value data;	/* len -1: no initial response */
		}			sasl_initial_response;
		struct
		{
			int32_t		code;	/* 0,2,3,7,9 and unknown codes */
			pgwire_slice data;	/* unknown codes: the rest */
		}			authentication;
		struct
		{
			int32_t		code;
			pgwire_slice salt;	/* 4 bytes */
		}			authentication_md5_password;
		struct
		{
			int32_t		code;
			pgwire_slice data;
		}			authentication_continue;	/* GSSContinue, SASLContinue, SASLFinal */
		struct
		{
			int32_t		code;
			pgwire_group mechanisms;	/* pgwire_slice each, wire order */
		}			authentication_sasl;
		struct
		{
			int32_t		process_id;
			pgwire_slice secret_key;
		}			backend_key_data;
		struct
		{
			pgwire_slice tag;
		}			command_complete;
		struct
		{
			int8_t		format; /* 0 text, 1 binary */
			pgwire_group column_formats;	/* Int16 each */
		}			copy_response;	/* CopyIn/CopyOut/CopyBothResponse */
		struct
		{
			pgwire_group values;	/* pgwire_value each */
		}			data_row;
		struct
		{
			pgwire_group fields;	/* pgwire_error_field each, wire order */
		}			error_response, notice_response;
		struct
		{
			pgwire_value result;
		}			function_call_response;
		struct
		{
			uint32_t	newest_minor_version;	/* full major<<16|minor as sent */
			pgwire_group unrecognized_options;	/* pgwire_slice each */
		}			negotiate_protocol_version;
		struct
		{
			int32_t		process_id;
			pgwire_slice channel;
			pgwire_slice payload;
		}			notification_response;
		struct
		{
			pgwire_group parameter_types;	/* uint32 OID each */
		}			parameter_description;
		struct
		{
			pgwire_slice name;
			pgwire_slice value;
		}			parameter_status;
		struct
		{
			uint8_t		status; /* 'I', 'T' or 'E' */
		}			ready_for_query;
		struct
		{
			pgwire_group fields;	/* pgwire_column each */
		}			row_description;
		struct
		{
			uint8_t		response;	/* 'S'/'N' or 'G'/'N' */
		}			encryption_response;

		/* ---- replication CopyData payloads (replication.h) ---- */
		struct
		{
			int64_t		wal_start;	/* LSN of the first byte of data */
			int64_t		wal_end;	/* server's current end of WAL */
			int64_t		send_time;	/* microseconds since 2000-01-01 UTC */
			pgwire_slice data;	/* WAL bytes, or one pgoutput message */
		}			xlog_data;
		struct
		{
			int64_t		wal_end;
			int64_t		send_time;
			uint8_t		reply_requested;	/* 1: answer soon */
		}			primary_keepalive;
		struct
		{
			int64_t		written_lsn;	/* last WAL byte + 1 written */
			int64_t		flushed_lsn;	/* ... flushed to disk */
			int64_t		applied_lsn;	/* ... applied */
			int64_t		send_time;
			uint8_t		reply_requested;
		}			standby_status_update;
		struct
		{
			int64_t		send_time;
			uint32_t	xmin;
			uint32_t	xmin_epoch;
			uint32_t	catalog_xmin;
			uint32_t	catalog_xmin_epoch;
		}			hot_standby_feedback;
		struct
		{
			pgwire_slice filename;
			pgwire_slice tablespace_path;	/* "" for the main data directory */
		}			new_archive;
		struct
		{
			pgwire_slice data;
		}			archive_data;
		struct
		{
			int64_t		bytes_done;
		}			progress_report;

		/*
		 * ---- pgoutput (replication.h).  xid fields marked [xid] are
		 * PGWIRE_F_OPTIONAL: on the wire only inside a streamed block.
		 */
		struct
		{
			int64_t		final_lsn;
			int64_t		commit_time;
			uint32_t	xid;
		}			lr_begin;
		struct
		{
			uint32_t	xid;	/* [xid] */
			uint8_t		flags;	/* 1: transactional */
			int64_t		lsn;
			pgwire_slice prefix;
			pgwire_value content;
		}			lr_message;
		struct
		{
			uint8_t		flags;
			int64_t		commit_lsn;
			int64_t		end_lsn;
			int64_t		commit_time;
		}			lr_commit;
		struct
		{
			int64_t		commit_lsn;
			pgwire_slice name;
		}			lr_origin;
		struct
		{
			uint32_t	xid;	/* [xid] */
			uint32_t	relation_oid;
			pgwire_slice namespace_name;	/* "" is pg_catalog */
			pgwire_slice relation_name;
			uint8_t		replica_identity;	/* 'd', 'n', 'f' or 'i' */
			pgwire_group columns;	/* pgwire_lr_column each */
		}			lr_relation;
		struct
		{
			uint32_t	xid;	/* [xid] */
			uint32_t	type_oid;
			pgwire_slice namespace_name;
			pgwire_slice type_name;
		}			lr_type;

		/*
		 * Insert, Update and Delete share one struct: Insert has the new
		 * tuple, Delete the old one ('K' key or 'O' whole row), Update the
		 * new one and, when present (bit 2 of present), the old one.
		 */
		struct
		{
			uint32_t	xid;	/* [xid] */
			uint32_t	relation_oid;
			uint8_t		old_tuple_kind; /* 'K' or 'O' */
			pgwire_group old_tuple; /* pgwire_tuple_column each */
			uint8_t		new_tuple_kind; /* 'N' */
			pgwire_group new_tuple; /* pgwire_tuple_column each */
		}			lr_change;
		struct
		{
			uint32_t	xid;	/* [xid] */
			int32_t		relation_count;
			uint8_t		options;	/* 1 CASCADE, 2 RESTART IDENTITY */
			pgwire_group relation_oids; /* relation_count Int32 OIDs */
		}			lr_truncate;
		struct
		{
			uint32_t	xid;
			uint8_t		first_segment;	/* 1 for the transaction's first */
		}			lr_stream_start;
		struct
		{
			uint32_t	xid;
			uint8_t		flags;
			int64_t		commit_lsn;
			int64_t		end_lsn;
			int64_t		commit_time;
		}			lr_stream_commit;
		struct
		{
			uint32_t	xid;
			uint32_t	subxid; /* = xid for the top-level transaction */
			int64_t		abort_lsn;	/* optional: proto 4, streaming=parallel */
			int64_t		abort_time; /* optional: same */
		}			lr_stream_abort;
		struct
		{
			int64_t		prepare_lsn;
			int64_t		end_lsn;
			int64_t		prepare_time;
			uint32_t	xid;
			pgwire_slice gid;
		}			lr_begin_prepare;
		struct
		{
			uint8_t		flags;
			int64_t		prepare_lsn;
			int64_t		end_lsn;
			int64_t		prepare_time;
			uint32_t	xid;
			pgwire_slice gid;
		}			lr_prepare; /* Prepare and Stream Prepare */
		struct
		{
			uint8_t		flags;
			int64_t		commit_lsn;
			int64_t		end_lsn;
			int64_t		commit_time;
			uint32_t	xid;
			pgwire_slice gid;
		}			lr_commit_prepared;
		struct
		{
			uint8_t		flags;
			int64_t		prepare_end_lsn;
			int64_t		rollback_end_lsn;
			int64_t		prepare_time;
			int64_t		rollback_time;
			uint32_t	xid;
			pgwire_slice gid;
		}			lr_rollback_prepared;
	}			u;
} pgwire_msg;

/* ---- The catalogue ---------------------------------------------------- */

/* Wire types of layout fields. */
typedef enum pgwire_wire_type
{
	PGWIRE_T_BYTE1,				/* Byte1, shown as a character */
	PGWIRE_T_INT8,				/* Int8, shown as a number */
	PGWIRE_T_INT16,				/* Int16, signed */
	PGWIRE_T_INT32,				/* Int32, signed */
	PGWIRE_T_OID,				/* Int32 holding an OID (unsigned) */
	PGWIRE_T_INT64,				/* Int64, signed */
	PGWIRE_T_VERSION,			/* Int32 major<<16|minor, shown "3.0" */
	PGWIRE_T_STRING,			/* NUL-terminated String */
	PGWIRE_T_BYTES,				/* Byten: fixed size, or the rest if size 0 */
	PGWIRE_T_VALUE,				/* Int32 n (-1 NULL) then Byten */
	PGWIRE_T_GROUP16,			/* Int16 count, then count elements */
	PGWIRE_T_GROUP32,			/* Int32 count, then count elements */
	PGWIRE_T_LIST,				/* elements until a 0x00 byte, which ends it */
	PGWIRE_T_LSN,				/* Int64 WAL position, shown "X/X" */
	PGWIRE_T_TIMESTAMP,			/* Int64 microseconds since 2000-01-01 UTC */
	PGWIRE_T_TUPLE_COLUMN,		/* pgoutput TupleData column: Byte1 kind 'n'
								 * (NULL), 'u' (unchanged TOAST), or 't'/'b'
								 * then Int32 n and Byten; stored as
								 * pgwire_tuple_column; visited with ival =
								 * kind, is_null for 'n' */
	PGWIRE_T_GROUP_COUNTED		/* count elements and no count word: the
								 * count is the earlier Int32 field stored
								 * at offset .size (pgoutput Truncate's
								 * relation_count before its options byte);
								 * a negative count reads as 0 */
} pgwire_wire_type;

/* One pgoutput TupleData column (Logical Replication Message Formats). */
typedef struct pgwire_tuple_column
{
	uint8_t		kind;			/* 'n', 'u', 't' or 'b' */
	pgwire_value value;			/* 't'/'b': the bytes; else ptr NULL, len -1 */
} pgwire_tuple_column;

/* Field flags. */
#define PGWIRE_F_FIXED		0x01	/* value must equal .fixed (codes) */
#define PGWIRE_F_REGRESS	0x02	/* PQtrace regress mode hides it */
/*
 * A top-level field that exists only in some contexts (pgoutput's xid
 * inside streamed transactions, Stream Abort's parallel-apply fields).
 * pgwire_msg.present has bit i set when field i of the layout is on the
 * wire; the decoder sets it from context, the JSON reader from the keys
 * given, and walker and encoder skip absent fields.
 */
#define PGWIRE_F_OPTIONAL	0x04

typedef struct pgwire_layout pgwire_layout;

/*
 * One field of a layout.  offset is where the decoder stores the field
 * inside pgwire_msg.u (or inside the element struct, for group elements);
 * size is the byte count of a fixed PGWIRE_T_BYTES field (0 = rest of
 * message).  Group fields store a pgwire_group and describe one element
 * with elem.
 */
typedef struct pgwire_field
{
	const char *name;
	uint8_t		type;
	uint8_t		flags;
	uint16_t	offset;
	uint32_t	size;
	int64_t		fixed;
	const pgwire_layout *elem;
} pgwire_field;

struct pgwire_layout
{
	const pgwire_field *fields;
	unsigned	nfields;
};

/* Catalogue entry. */
typedef struct pgwire_msgdef
{
	pgwire_msg_kind kind;
	const char *name;			/* docs spelling, e.g. "RowDescription" */
	uint8_t		type;			/* type byte; 0 untyped; 'R' for auth */
	uint8_t		directions;		/* bit 0 frontend, bit 1 backend */
	pgwire_frame_kind frame_kind;
	pgwire_layout layout;
} pgwire_msgdef;

#define PGWIRE_DIR_BIT(d) (1u << (d))

/* Entry for a kind; NULL for PGWIRE_MSG_INVALID or out of range. */
PGWIRE_EXPORT const pgwire_msgdef *pgwire_msgdef_get(pgwire_msg_kind kind);

/* Entry by docs name ("Bind"), case-sensitive; NULL if none. */
PGWIRE_EXPORT const pgwire_msgdef *pgwire_msgdef_by_name(const char *name);

/* Docs name of a kind ("Bind"); "Invalid" for unknown values. */
PGWIRE_EXPORT const char *pgwire_msg_name(pgwire_msg_kind kind);

/* ---- Decoding --------------------------------------------------------- */

/*
 * Context the decoder cannot see in the frame itself, supplied by the
 * caller or by the session tracker (session.h).
 *
 * auth_response: what a frontend 'p' is (PGWIRE_MSG_PASSWORD_MESSAGE,
 *   _SASL_INITIAL_RESPONSE, _SASL_RESPONSE or _GSS_RESPONSE, as chosen by
 *   the last Authentication request); PGWIRE_MSG_INVALID means unknown: the
 *   decoder infers it from the bytes and marks the message inferred.
 */
typedef struct pgwire_context
{
	pgwire_msg_kind auth_response;
	unsigned	flags;
} pgwire_context;

/* Decode unknown type bytes as PGWIRE_MSG_UNKNOWN instead of failing. */
#define PGWIRE_DECODE_UNKNOWN 0x01

/*
 * Decode one frame.  ctx may be NULL (no context).  On PGWIRE_OK *out is
 * filled and fully validated.  Errors (err->offset is a stream offset):
 *   PGWIRE_ERR_UNKNOWN_TYPE  type byte or startup code unknown in this
 *                            direction
 *   PGWIRE_ERR_TRUNCATED     a field runs past the end of the body, or a
 *                            String has no NUL before it
 *   PGWIRE_ERR_TRAILING      bytes after the last field
 *   PGWIRE_ERR_BAD_VALUE     a fixed value differs, a negative count or a
 *                            value length below -1
 */
PGWIRE_EXPORT int pgwire_decode(const pgwire_frame *frame, const pgwire_context *ctx,
								pgwire_msg *out, pgwire_error *err);

/*
 * Frame and decode exactly one message held in buf[0..len), with
 * PGWIRE_PHASE_AUTO framing.  PGWIRE_INCOMPLETE if buf is a proper prefix,
 * PGWIRE_ERR_EXTRA_DATA if bytes follow the message, else as
 * pgwire_frame_parse() and pgwire_decode().
 */
PGWIRE_EXPORT int pgwire_decode_bytes(const uint8_t *buf, size_t len,
									  pgwire_direction dir, const pgwire_context *ctx,
									  pgwire_msg *out, pgwire_error *err);

/* ---- Iterators over groups of a decoded message ----------------------- */

typedef struct pgwire_iter
{
	const uint8_t *pos;
	const uint8_t *end;
	uint32_t	remaining;
} pgwire_iter;

PGWIRE_EXPORT void (pgwire_iter_init) (pgwire_iter *it, const pgwire_group *g);

/* Each returns 1 and fills *out while elements remain, then 0. */
PGWIRE_EXPORT int (pgwire_next_value) (pgwire_iter *it, pgwire_value *out);
PGWIRE_EXPORT int (pgwire_next_column) (pgwire_iter *it, pgwire_column *out);
PGWIRE_EXPORT int pgwire_next_error_field(pgwire_iter *it, pgwire_error_field *out);
PGWIRE_EXPORT int pgwire_next_parameter(pgwire_iter *it, pgwire_parameter *out);
PGWIRE_EXPORT int pgwire_next_string(pgwire_iter *it, pgwire_slice *out);

/*
 * pgwire_iter_init(), pgwire_next_value() and pgwire_next_column() are
 * also defined inline here, behind function-like macros (as getc() is in
 * stdio): a DataRow's values and a RowDescription's columns are read in
 * tight loops, where a library call per element, keeping the iterator in
 * memory, cost as much as the read itself.  The functions above remain
 * (same ABI); (pgwire_next_value)(...) or taking the address calls them.
 * Both forms are the same code (iter.c calls these).
 */
static inline void
pgwire_iter_init_inline(pgwire_iter *it, const pgwire_group *g)
{
	/* an empty group may have no pointer; NULL + 0 is undefined in C */
	it->pos = g->ptr;
	it->end = g->ptr ? g->ptr + g->len : g->ptr;
	it->remaining = g->count;
}

static inline int
pgwire_next_value_inline(pgwire_iter *it, pgwire_value *out)
{
	const uint8_t *p = it->pos;
	int32_t		n;

	if (it->remaining == 0 || it->end - p < 4)
		return 0;
	n = (int32_t) ((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 |
				   (uint32_t) p[2] << 8 | (uint32_t) p[3]);
	p += 4;
	out->ptr = n >= 0 ? p : NULL;
	out->len = n;
	if (n > 0)
		p += n;
	it->pos = p;
	it->remaining--;
	return 1;
}

/* A RowDescription column: the name, then 18 bytes (see pgwire_column). */
static inline int
pgwire_next_column_inline(pgwire_iter *it, pgwire_column *out)
{
	const uint8_t *p = it->pos;
	const uint8_t *q = p;

	if (it->remaining == 0 || p >= it->end)
		return 0;
	while (q < it->end && *q != 0)
		q++;
	if (it->end - q < 19)
	{
		it->remaining = 0;
		return 0;
	}
	out->name.ptr = p;
	out->name.len = (size_t) (q - p);
	p = q + 1;
	out->table_oid = (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 |
		(uint32_t) p[2] << 8 | (uint32_t) p[3];
	out->column_attnum = (int16_t) (p[4] << 8 | p[5]);
	out->type_oid = (uint32_t) p[6] << 24 | (uint32_t) p[7] << 16 |
		(uint32_t) p[8] << 8 | (uint32_t) p[9];
	out->type_size = (int16_t) (p[10] << 8 | p[11]);
	out->type_modifier = (int32_t) ((uint32_t) p[12] << 24 | (uint32_t) p[13] << 16 |
									(uint32_t) p[14] << 8 | (uint32_t) p[15]);
	out->format = (int16_t) (p[16] << 8 | p[17]);
	it->pos = p + 18;
	it->remaining--;
	return 1;
}

#define pgwire_iter_init(it, g) pgwire_iter_init_inline((it), (g))
#define pgwire_next_column(it, out) pgwire_next_column_inline((it), (out))
#define pgwire_next_value(it, out) pgwire_next_value_inline((it), (out))

/* Element i of an Int16 / OID group (no bounds beyond count: i < count). */
PGWIRE_EXPORT int16_t pgwire_group_int16(const pgwire_group *g, uint32_t i);
PGWIRE_EXPORT uint32_t pgwire_group_oid(const pgwire_group *g, uint32_t i);

/*
 * Find an ErrorResponse/NoticeResponse field by code ('C', 'M', ...).
 * 1 and *out filled if present, else 0.
 */
PGWIRE_EXPORT int pgwire_error_field_get(const pgwire_msg *m, uint8_t code,
										 pgwire_slice *out);

/* ---- The field walker ------------------------------------------------- */

/*
 * pgwire_walk() visits a decoded message in wire order, one event per
 * field, with its byte offset; renderers (JSON, PQtrace, byte map) are
 * visitors.  Header events come first: PGWIRE_EV_TYPE (typed frames) and
 * PGWIRE_EV_LENGTH (framed messages).
 */
typedef enum pgwire_event
{
	PGWIRE_EV_TYPE,				/* the type byte */
	PGWIRE_EV_LENGTH,			/* the Int32 length word */
	PGWIRE_EV_FIELD,			/* a scalar, String or Byten field */
	PGWIRE_EV_GROUP_BEGIN,		/* a group; count is set; for GROUP16/32 the
								 * count word is at offset/len */
	PGWIRE_EV_ELEM_BEGIN,		/* element index of the innermost group */
	PGWIRE_EV_ELEM_END,
	PGWIRE_EV_GROUP_END			/* for LIST, offset/len cover the 0x00 end */
} pgwire_event;

typedef struct pgwire_visit
{
	pgwire_event event;
	const pgwire_field *field;	/* NULL for header events */
	int			depth;			/* 0 at top level */
	uint32_t	index;			/* element index (ELEM_*, fields inside) */
	uint32_t	count;			/* GROUP_BEGIN: element count */
	uint64_t	offset;			/* stream offset of the field's first byte */
	size_t		len;			/* wire bytes of the field */
	const uint8_t *raw;			/* those bytes */
	int64_t		ival;			/* integer value (BYTE1/INT*, OID, LSN ...) */
	const uint8_t *data;		/* String/Byten/VALUE contents */
	size_t		dlen;
	uint8_t		is_null;		/* VALUE with length -1 */
} pgwire_visit;

/* Return 0 to continue; any other value stops the walk and is returned. */
typedef int (*pgwire_visit_fn) (void *arg, const pgwire_visit *v);

/* Walk a message decoded by pgwire_decode(). */
PGWIRE_EXPORT int pgwire_walk(const pgwire_msg *m, pgwire_visit_fn fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif							/* PGWIRE_MESSAGE_H */
