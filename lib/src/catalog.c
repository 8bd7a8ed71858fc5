/*
 * catalog.c
 *    The message catalogue: name, type byte, direction and body layout of
 *    every message of protocol 3.0 and 3.2.  Decoder, encoder and all
 *    renderers are driven by these tables; a message is added here only.
 *
 * Field names follow the field descriptions of the PostgreSQL docs,
 * "Message Formats", in snake_case; they are the JSON keys.
 */
#include <stddef.h>
#include <string.h>

#include "pgwire/message.h"

/* offset of a member of pgwire_msg.u */
#define U(member) ((uint16_t) (offsetof(pgwire_msg, u.member) - offsetof(pgwire_msg, u)))
#define E(type, member) ((uint16_t) offsetof(type, member))

#define FIELD(n, t, off) {n, t, 0, off, 0, 0, NULL}
#define FIELD_F(n, t, fl, off) {n, t, fl, off, 0, 0, NULL}
#define FIXED32(n, off, v) {n, PGWIRE_T_INT32, PGWIRE_F_FIXED, off, 0, v, NULL}
#define BYTES_N(n, off, size) {n, PGWIRE_T_BYTES, 0, off, size, 0, NULL}
#define GROUP(n, t, off, el) {n, t, 0, off, 0, 0, &el}
#define LAYOUT(arr) {arr, sizeof(arr) / sizeof(arr[0])}
#define NO_FIELDS {NULL, 0}

#define F_ PGWIRE_DIR_BIT(PGWIRE_FRONTEND)
#define B_ PGWIRE_DIR_BIT(PGWIRE_BACKEND)

/* ---- group elements ---------------------------------------------------- */

static const pgwire_field format_f[] = {FIELD("format", PGWIRE_T_INT16, 0)};
static const pgwire_layout format_elem = LAYOUT(format_f);

static const pgwire_field type_oid_f[] = {
	FIELD_F("type_oid", PGWIRE_T_OID, PGWIRE_F_REGRESS, 0)
};
static const pgwire_layout type_oid_elem = LAYOUT(type_oid_f);

static const pgwire_field value_f[] = {FIELD("value", PGWIRE_T_VALUE, 0)};
static const pgwire_layout value_elem = LAYOUT(value_f);

static const pgwire_field mechanism_f[] = {FIELD("mechanism", PGWIRE_T_STRING, 0)};
static const pgwire_layout mechanism_elem = LAYOUT(mechanism_f);

static const pgwire_field option_f[] = {FIELD("option", PGWIRE_T_STRING, 0)};
static const pgwire_layout option_elem = LAYOUT(option_f);

static const pgwire_field parameter_f[] = {
	FIELD("name", PGWIRE_T_STRING, E(pgwire_parameter, name)),
	FIELD("value", PGWIRE_T_STRING, E(pgwire_parameter, value)),
};
static const pgwire_layout parameter_elem = LAYOUT(parameter_f);

static const pgwire_field error_field_f[] = {
	FIELD("code", PGWIRE_T_BYTE1, E(pgwire_error_field, code)),
	FIELD("value", PGWIRE_T_STRING, E(pgwire_error_field, value)),
};
static const pgwire_layout error_field_elem = LAYOUT(error_field_f);

static const pgwire_field column_f[] = {
	FIELD("name", PGWIRE_T_STRING, E(pgwire_column, name)),
	FIELD_F("table_oid", PGWIRE_T_OID, PGWIRE_F_REGRESS, E(pgwire_column, table_oid)),
	FIELD("column_attnum", PGWIRE_T_INT16, E(pgwire_column, column_attnum)),
	FIELD_F("type_oid", PGWIRE_T_OID, PGWIRE_F_REGRESS, E(pgwire_column, type_oid)),
	FIELD("type_size", PGWIRE_T_INT16, E(pgwire_column, type_size)),
	FIELD("type_modifier", PGWIRE_T_INT32, E(pgwire_column, type_modifier)),
	FIELD("format", PGWIRE_T_INT16, E(pgwire_column, format)),
};
static const pgwire_layout column_elem = LAYOUT(column_f);

/* ---- frontend ---------------------------------------------------------- */

static const pgwire_field startup_f[] = {
	FIELD("protocol_version", PGWIRE_T_VERSION, U(startup_message.protocol_version)),
	GROUP("parameters", PGWIRE_T_LIST, U(startup_message.parameters), parameter_elem),
};
static const pgwire_field ssl_request_f[] = {FIXED32("code", U(request.code), 80877103)};
static const pgwire_field gssenc_request_f[] = {FIXED32("code", U(request.code), 80877104)};
static const pgwire_field cancel_request_f[] = {
	FIXED32("code", U(cancel_request.code), 80877102),
	FIELD_F("process_id", PGWIRE_T_INT32, PGWIRE_F_REGRESS, U(cancel_request.process_id)),
	FIELD_F("secret_key", PGWIRE_T_BYTES, PGWIRE_F_REGRESS, U(cancel_request.secret_key)),
};
static const pgwire_field bind_f[] = {
	FIELD("portal", PGWIRE_T_STRING, U(bind.portal)),
	FIELD("statement", PGWIRE_T_STRING, U(bind.statement)),
	GROUP("parameter_formats", PGWIRE_T_GROUP16, U(bind.parameter_formats), format_elem),
	GROUP("parameters", PGWIRE_T_GROUP16, U(bind.parameters), value_elem),
	GROUP("result_formats", PGWIRE_T_GROUP16, U(bind.result_formats), format_elem),
};
static const pgwire_field close_f[] = {
	FIELD("target", PGWIRE_T_BYTE1, U(close.target)),
	FIELD("name", PGWIRE_T_STRING, U(close.name)),
};
static const pgwire_field describe_f[] = {
	FIELD("target", PGWIRE_T_BYTE1, U(describe.target)),
	FIELD("name", PGWIRE_T_STRING, U(describe.name)),
};
static const pgwire_field copy_fail_f[] = {
	FIELD("error_message", PGWIRE_T_STRING, U(copy_fail.error_message)),
};
static const pgwire_field execute_f[] = {
	FIELD("portal", PGWIRE_T_STRING, U(execute.portal)),
	FIELD("max_rows", PGWIRE_T_INT32, U(execute.max_rows)),
};
static const pgwire_field function_call_f[] = {
	FIELD_F("function_oid", PGWIRE_T_OID, PGWIRE_F_REGRESS, U(function_call.function_oid)),
	GROUP("argument_formats", PGWIRE_T_GROUP16, U(function_call.argument_formats), format_elem),
	GROUP("arguments", PGWIRE_T_GROUP16, U(function_call.arguments), value_elem),
	FIELD("result_format", PGWIRE_T_INT16, U(function_call.result_format)),
};
static const pgwire_field gss_response_f[] = {
	FIELD_F("data", PGWIRE_T_BYTES, PGWIRE_F_REGRESS, U(gss_response.data)),
};
static const pgwire_field parse_f[] = {
	FIELD("statement", PGWIRE_T_STRING, U(parse.statement)),
	FIELD("query", PGWIRE_T_STRING, U(parse.query)),
	GROUP("parameter_types", PGWIRE_T_GROUP16, U(parse.parameter_types), type_oid_elem),
};
static const pgwire_field password_f[] = {
	FIELD("password", PGWIRE_T_STRING, U(password_message.password)),
};
static const pgwire_field query_f[] = {FIELD("query", PGWIRE_T_STRING, U(query.query))};
static const pgwire_field sasl_initial_f[] = {
	FIELD("mechanism", PGWIRE_T_STRING, U(sasl_initial_response.mechanism)),
	FIELD_F("data", PGWIRE_T_VALUE, PGWIRE_F_REGRESS, U(sasl_initial_response.data)),
};
static const pgwire_field sasl_response_f[] = {
	FIELD_F("data", PGWIRE_T_BYTES, PGWIRE_F_REGRESS, U(sasl_response.data)),
};

/* ---- both directions --------------------------------------------------- */

static const pgwire_field copy_data_f[] = {
	FIELD_F("data", PGWIRE_T_BYTES, PGWIRE_F_REGRESS, U(copy_data.data)),
};

/* ---- backend ----------------------------------------------------------- */

static const pgwire_field auth_ok_f[] = {FIXED32("code", U(authentication.code), 0)};
static const pgwire_field auth_krb5_f[] = {FIXED32("code", U(authentication.code), 2)};
static const pgwire_field auth_clear_f[] = {FIXED32("code", U(authentication.code), 3)};
static const pgwire_field auth_md5_f[] = {
	FIXED32("code", U(authentication_md5_password.code), 5),
	BYTES_N("salt", U(authentication_md5_password.salt), 4),
};
static const pgwire_field auth_gss_f[] = {FIXED32("code", U(authentication.code), 7)};
static const pgwire_field auth_gss_continue_f[] = {
	FIXED32("code", U(authentication_continue.code), 8),
	FIELD_F("data", PGWIRE_T_BYTES, PGWIRE_F_REGRESS, U(authentication_continue.data)),
};
static const pgwire_field auth_sspi_f[] = {FIXED32("code", U(authentication.code), 9)};
static const pgwire_field auth_sasl_f[] = {
	FIXED32("code", U(authentication_sasl.code), 10),
	GROUP("mechanisms", PGWIRE_T_LIST, U(authentication_sasl.mechanisms), mechanism_elem),
};
static const pgwire_field auth_sasl_continue_f[] = {
	FIXED32("code", U(authentication_continue.code), 11),
	FIELD_F("data", PGWIRE_T_BYTES, PGWIRE_F_REGRESS, U(authentication_continue.data)),
};
static const pgwire_field auth_sasl_final_f[] = {
	FIXED32("code", U(authentication_continue.code), 12),
	FIELD_F("data", PGWIRE_T_BYTES, PGWIRE_F_REGRESS, U(authentication_continue.data)),
};
static const pgwire_field auth_unknown_f[] = {
	FIELD("code", PGWIRE_T_INT32, U(authentication.code)),
	FIELD("data", PGWIRE_T_BYTES, U(authentication.data)),
};
static const pgwire_field backend_key_data_f[] = {
	FIELD_F("process_id", PGWIRE_T_INT32, PGWIRE_F_REGRESS, U(backend_key_data.process_id)),
	FIELD_F("secret_key", PGWIRE_T_BYTES, PGWIRE_F_REGRESS, U(backend_key_data.secret_key)),
};
static const pgwire_field command_complete_f[] = {
	FIELD("tag", PGWIRE_T_STRING, U(command_complete.tag)),
};
static const pgwire_field copy_response_f[] = {
	FIELD("format", PGWIRE_T_INT8, U(copy_response.format)),
	GROUP("column_formats", PGWIRE_T_GROUP16, U(copy_response.column_formats), format_elem),
};
static const pgwire_field data_row_f[] = {
	GROUP("values", PGWIRE_T_GROUP16, U(data_row.values), value_elem),
};
static const pgwire_field error_response_f[] = {
	GROUP("fields", PGWIRE_T_LIST, U(error_response.fields), error_field_elem),
};
static const pgwire_field function_call_response_f[] = {
	FIELD("result", PGWIRE_T_VALUE, U(function_call_response.result)),
};
static const pgwire_field negotiate_f[] = {
	FIELD("newest_minor_version", PGWIRE_T_VERSION,
		  U(negotiate_protocol_version.newest_minor_version)),
	GROUP("unrecognized_options", PGWIRE_T_GROUP32,
		  U(negotiate_protocol_version.unrecognized_options), option_elem),
};
static const pgwire_field notification_f[] = {
	FIELD_F("process_id", PGWIRE_T_INT32, PGWIRE_F_REGRESS, U(notification_response.process_id)),
	FIELD("channel", PGWIRE_T_STRING, U(notification_response.channel)),
	FIELD("payload", PGWIRE_T_STRING, U(notification_response.payload)),
};
static const pgwire_field parameter_description_f[] = {
	GROUP("parameter_types", PGWIRE_T_GROUP16, U(parameter_description.parameter_types),
		  type_oid_elem),
};
static const pgwire_field parameter_status_f[] = {
	FIELD("name", PGWIRE_T_STRING, U(parameter_status.name)),
	FIELD("value", PGWIRE_T_STRING, U(parameter_status.value)),
};
static const pgwire_field ready_for_query_f[] = {
	FIELD("status", PGWIRE_T_BYTE1, U(ready_for_query.status)),
};
static const pgwire_field row_description_f[] = {
	GROUP("fields", PGWIRE_T_GROUP16, U(row_description.fields), column_elem),
};
static const pgwire_field encryption_response_f[] = {
	FIELD("response", PGWIRE_T_BYTE1, U(encryption_response.response)),
};
static const pgwire_field unknown_f[] = {FIELD("data", PGWIRE_T_BYTES, U(unknown.data))};

/*
 * ---- replication CopyData payloads and pgoutput messages ----------------
 *
 * These have a type byte but no length word: the enclosing CopyData (or
 * one row of pg_logical_slot_*_binary_changes) delimits them.  Decoded by
 * replication.c and pgoutput.c; the layouts list the fields after the type
 * byte.  Sources: docs "Streaming Replication Protocol" (START_REPLICATION,
 * BASE_BACKUP) and "Logical Replication Message Formats"; proto.c.
 */
#define LSN(n, off) FIELD(n, PGWIRE_T_LSN, off)
#define TS(n, off) FIELD(n, PGWIRE_T_TIMESTAMP, off)
#define OPT(n, t, off) FIELD_F(n, t, PGWIRE_F_OPTIONAL, off)
#define FIXED_BYTE1(n, off, v) {n, PGWIRE_T_BYTE1, PGWIRE_F_FIXED, off, 0, v, NULL}

static const pgwire_field xlog_data_f[] = {
	LSN("wal_start", U(xlog_data.wal_start)),
	LSN("wal_end", U(xlog_data.wal_end)),
	TS("send_time", U(xlog_data.send_time)),
	FIELD("data", PGWIRE_T_BYTES, U(xlog_data.data)),
};
static const pgwire_field primary_keepalive_f[] = {
	LSN("wal_end", U(primary_keepalive.wal_end)),
	TS("send_time", U(primary_keepalive.send_time)),
	FIELD("reply_requested", PGWIRE_T_INT8, U(primary_keepalive.reply_requested)),
};
static const pgwire_field standby_status_update_f[] = {
	LSN("written_lsn", U(standby_status_update.written_lsn)),
	LSN("flushed_lsn", U(standby_status_update.flushed_lsn)),
	LSN("applied_lsn", U(standby_status_update.applied_lsn)),
	TS("send_time", U(standby_status_update.send_time)),
	FIELD("reply_requested", PGWIRE_T_INT8, U(standby_status_update.reply_requested)),
};
static const pgwire_field hot_standby_feedback_f[] = {
	TS("send_time", U(hot_standby_feedback.send_time)),
	FIELD("xmin", PGWIRE_T_OID, U(hot_standby_feedback.xmin)),
	FIELD("xmin_epoch", PGWIRE_T_OID, U(hot_standby_feedback.xmin_epoch)),
	FIELD("catalog_xmin", PGWIRE_T_OID, U(hot_standby_feedback.catalog_xmin)),
	FIELD("catalog_xmin_epoch", PGWIRE_T_OID, U(hot_standby_feedback.catalog_xmin_epoch)),
};
static const pgwire_field new_archive_f[] = {
	FIELD("filename", PGWIRE_T_STRING, U(new_archive.filename)),
	FIELD("tablespace_path", PGWIRE_T_STRING, U(new_archive.tablespace_path)),
};
static const pgwire_field archive_data_f[] = {
	FIELD("data", PGWIRE_T_BYTES, U(archive_data.data)),
};
static const pgwire_field progress_report_f[] = {
	FIELD("bytes_done", PGWIRE_T_INT64, U(progress_report.bytes_done)),
};

/* pgoutput Relation column and TupleData column */
static const pgwire_field lr_column_f[] = {
	FIELD("flags", PGWIRE_T_INT8, E(pgwire_lr_column, flags)),
	FIELD("name", PGWIRE_T_STRING, E(pgwire_lr_column, name)),
	FIELD("type_oid", PGWIRE_T_OID, E(pgwire_lr_column, type_oid)),
	FIELD("type_modifier", PGWIRE_T_INT32, E(pgwire_lr_column, type_modifier)),
};
static const pgwire_layout lr_column_elem = LAYOUT(lr_column_f);
static const pgwire_field tuple_column_f[] = {FIELD("column", PGWIRE_T_TUPLE_COLUMN, 0)};
static const pgwire_layout tuple_column_elem = LAYOUT(tuple_column_f);

static const pgwire_field lr_begin_f[] = {
	LSN("final_lsn", U(lr_begin.final_lsn)),
	TS("commit_time", U(lr_begin.commit_time)),
	FIELD("xid", PGWIRE_T_OID, U(lr_begin.xid)),
};
static const pgwire_field lr_message_f[] = {
	OPT("xid", PGWIRE_T_OID, U(lr_message.xid)),
	FIELD("flags", PGWIRE_T_INT8, U(lr_message.flags)),
	LSN("lsn", U(lr_message.lsn)),
	FIELD("prefix", PGWIRE_T_STRING, U(lr_message.prefix)),
	FIELD("content", PGWIRE_T_VALUE, U(lr_message.content)),
};
static const pgwire_field lr_commit_f[] = {
	FIELD("flags", PGWIRE_T_INT8, U(lr_commit.flags)),
	LSN("commit_lsn", U(lr_commit.commit_lsn)),
	LSN("end_lsn", U(lr_commit.end_lsn)),
	TS("commit_time", U(lr_commit.commit_time)),
};
static const pgwire_field lr_origin_f[] = {
	LSN("commit_lsn", U(lr_origin.commit_lsn)),
	FIELD("name", PGWIRE_T_STRING, U(lr_origin.name)),
};
static const pgwire_field lr_relation_f[] = {
	OPT("xid", PGWIRE_T_OID, U(lr_relation.xid)),
	FIELD("relation_oid", PGWIRE_T_OID, U(lr_relation.relation_oid)),
	FIELD("namespace", PGWIRE_T_STRING, U(lr_relation.namespace_name)),
	FIELD("relation_name", PGWIRE_T_STRING, U(lr_relation.relation_name)),
	FIELD("replica_identity", PGWIRE_T_BYTE1, U(lr_relation.replica_identity)),
	GROUP("columns", PGWIRE_T_GROUP16, U(lr_relation.columns), lr_column_elem),
};
static const pgwire_field lr_type_f[] = {
	OPT("xid", PGWIRE_T_OID, U(lr_type.xid)),
	FIELD("type_oid", PGWIRE_T_OID, U(lr_type.type_oid)),
	FIELD("namespace", PGWIRE_T_STRING, U(lr_type.namespace_name)),
	FIELD("type_name", PGWIRE_T_STRING, U(lr_type.type_name)),
};
static const pgwire_field lr_insert_f[] = {
	OPT("xid", PGWIRE_T_OID, U(lr_change.xid)),
	FIELD("relation_oid", PGWIRE_T_OID, U(lr_change.relation_oid)),
	FIXED_BYTE1("new_tuple_kind", U(lr_change.new_tuple_kind), 'N'),
	GROUP("new_tuple", PGWIRE_T_GROUP16, U(lr_change.new_tuple), tuple_column_elem),
};
/* present bits 2 and 3 together: the old tuple ('K' or 'O') is there */
static const pgwire_field lr_update_f[] = {
	OPT("xid", PGWIRE_T_OID, U(lr_change.xid)),
	FIELD("relation_oid", PGWIRE_T_OID, U(lr_change.relation_oid)),
	OPT("old_tuple_kind", PGWIRE_T_BYTE1, U(lr_change.old_tuple_kind)),
	{"old_tuple", PGWIRE_T_GROUP16, PGWIRE_F_OPTIONAL, U(lr_change.old_tuple), 0, 0,
	&tuple_column_elem},
	FIXED_BYTE1("new_tuple_kind", U(lr_change.new_tuple_kind), 'N'),
	GROUP("new_tuple", PGWIRE_T_GROUP16, U(lr_change.new_tuple), tuple_column_elem),
};
static const pgwire_field lr_delete_f[] = {
	OPT("xid", PGWIRE_T_OID, U(lr_change.xid)),
	FIELD("relation_oid", PGWIRE_T_OID, U(lr_change.relation_oid)),
	FIELD("old_tuple_kind", PGWIRE_T_BYTE1, U(lr_change.old_tuple_kind)),
	GROUP("old_tuple", PGWIRE_T_GROUP16, U(lr_change.old_tuple), tuple_column_elem),
};
/* the Int32 OIDs follow the options byte, not the count: kept as bytes */
static const pgwire_field relation_oid_f[] = {
	FIELD_F("relation_oid", PGWIRE_T_OID, PGWIRE_F_REGRESS, 0)
};
static const pgwire_layout relation_oid_elem = LAYOUT(relation_oid_f);

static const pgwire_field lr_truncate_f[] = {
	OPT("xid", PGWIRE_T_OID, U(lr_truncate.xid)),
	FIELD("relation_count", PGWIRE_T_INT32, U(lr_truncate.relation_count)),
	FIELD("options", PGWIRE_T_INT8, U(lr_truncate.options)),
	/* counted by relation_count, which the options byte separates from it */
	{"relation_oids", PGWIRE_T_GROUP_COUNTED, 0, U(lr_truncate.relation_oids),
	U(lr_truncate.relation_count), 0, &relation_oid_elem},
};
static const pgwire_field lr_stream_start_f[] = {
	FIELD("xid", PGWIRE_T_OID, U(lr_stream_start.xid)),
	FIELD("first_segment", PGWIRE_T_INT8, U(lr_stream_start.first_segment)),
};
static const pgwire_field lr_stream_commit_f[] = {
	FIELD("xid", PGWIRE_T_OID, U(lr_stream_commit.xid)),
	FIELD("flags", PGWIRE_T_INT8, U(lr_stream_commit.flags)),
	LSN("commit_lsn", U(lr_stream_commit.commit_lsn)),
	LSN("end_lsn", U(lr_stream_commit.end_lsn)),
	TS("commit_time", U(lr_stream_commit.commit_time)),
};
static const pgwire_field lr_stream_abort_f[] = {
	FIELD("xid", PGWIRE_T_OID, U(lr_stream_abort.xid)),
	FIELD("subxid", PGWIRE_T_OID, U(lr_stream_abort.subxid)),
	OPT("abort_lsn", PGWIRE_T_LSN, U(lr_stream_abort.abort_lsn)),
	OPT("abort_time", PGWIRE_T_TIMESTAMP, U(lr_stream_abort.abort_time)),
};
static const pgwire_field lr_begin_prepare_f[] = {
	LSN("prepare_lsn", U(lr_begin_prepare.prepare_lsn)),
	LSN("end_lsn", U(lr_begin_prepare.end_lsn)),
	TS("prepare_time", U(lr_begin_prepare.prepare_time)),
	FIELD("xid", PGWIRE_T_OID, U(lr_begin_prepare.xid)),
	FIELD("gid", PGWIRE_T_STRING, U(lr_begin_prepare.gid)),
};
static const pgwire_field lr_prepare_f[] = {
	FIELD("flags", PGWIRE_T_INT8, U(lr_prepare.flags)),
	LSN("prepare_lsn", U(lr_prepare.prepare_lsn)),
	LSN("end_lsn", U(lr_prepare.end_lsn)),
	TS("prepare_time", U(lr_prepare.prepare_time)),
	FIELD("xid", PGWIRE_T_OID, U(lr_prepare.xid)),
	FIELD("gid", PGWIRE_T_STRING, U(lr_prepare.gid)),
};
static const pgwire_field lr_commit_prepared_f[] = {
	FIELD("flags", PGWIRE_T_INT8, U(lr_commit_prepared.flags)),
	LSN("commit_lsn", U(lr_commit_prepared.commit_lsn)),
	LSN("end_lsn", U(lr_commit_prepared.end_lsn)),
	TS("commit_time", U(lr_commit_prepared.commit_time)),
	FIELD("xid", PGWIRE_T_OID, U(lr_commit_prepared.xid)),
	FIELD("gid", PGWIRE_T_STRING, U(lr_commit_prepared.gid)),
};
static const pgwire_field lr_rollback_prepared_f[] = {
	FIELD("flags", PGWIRE_T_INT8, U(lr_rollback_prepared.flags)),
	LSN("prepare_end_lsn", U(lr_rollback_prepared.prepare_end_lsn)),
	LSN("rollback_end_lsn", U(lr_rollback_prepared.rollback_end_lsn)),
	TS("prepare_time", U(lr_rollback_prepared.prepare_time)),
	TS("rollback_time", U(lr_rollback_prepared.rollback_time)),
	FIELD("xid", PGWIRE_T_OID, U(lr_rollback_prepared.xid)),
	FIELD("gid", PGWIRE_T_STRING, U(lr_rollback_prepared.gid)),
};

#define MSG(k, n, t, d, fk, lay) [k] = {k, n, t, d, fk, lay}
#define TYPED PGWIRE_FRAME_TYPED
#define UNTYPED PGWIRE_FRAME_UNTYPED

static const pgwire_msgdef catalogue[PGWIRE_MSG__COUNT] = {
	MSG(PGWIRE_MSG_STARTUP_MESSAGE, "StartupMessage", 0, F_, UNTYPED, LAYOUT(startup_f)),
	MSG(PGWIRE_MSG_SSL_REQUEST, "SSLRequest", 0, F_, UNTYPED, LAYOUT(ssl_request_f)),
	MSG(PGWIRE_MSG_GSSENC_REQUEST, "GSSENCRequest", 0, F_, UNTYPED, LAYOUT(gssenc_request_f)),
	MSG(PGWIRE_MSG_CANCEL_REQUEST, "CancelRequest", 0, F_, UNTYPED, LAYOUT(cancel_request_f)),
	MSG(PGWIRE_MSG_BIND, "Bind", 'B', F_, TYPED, LAYOUT(bind_f)),
	MSG(PGWIRE_MSG_CLOSE, "Close", 'C', F_, TYPED, LAYOUT(close_f)),
	MSG(PGWIRE_MSG_COPY_FAIL, "CopyFail", 'f', F_, TYPED, LAYOUT(copy_fail_f)),
	MSG(PGWIRE_MSG_DESCRIBE, "Describe", 'D', F_, TYPED, LAYOUT(describe_f)),
	MSG(PGWIRE_MSG_EXECUTE, "Execute", 'E', F_, TYPED, LAYOUT(execute_f)),
	MSG(PGWIRE_MSG_FLUSH, "Flush", 'H', F_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_FUNCTION_CALL, "FunctionCall", 'F', F_, TYPED, LAYOUT(function_call_f)),
	MSG(PGWIRE_MSG_GSS_RESPONSE, "GSSResponse", 'p', F_, TYPED, LAYOUT(gss_response_f)),
	MSG(PGWIRE_MSG_PARSE, "Parse", 'P', F_, TYPED, LAYOUT(parse_f)),
	MSG(PGWIRE_MSG_PASSWORD_MESSAGE, "PasswordMessage", 'p', F_, TYPED, LAYOUT(password_f)),
	MSG(PGWIRE_MSG_QUERY, "Query", 'Q', F_, TYPED, LAYOUT(query_f)),
	MSG(PGWIRE_MSG_SASL_INITIAL_RESPONSE, "SASLInitialResponse", 'p', F_, TYPED,
		LAYOUT(sasl_initial_f)),
	MSG(PGWIRE_MSG_SASL_RESPONSE, "SASLResponse", 'p', F_, TYPED, LAYOUT(sasl_response_f)),
	MSG(PGWIRE_MSG_SYNC, "Sync", 'S', F_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_TERMINATE, "Terminate", 'X', F_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_COPY_DATA, "CopyData", 'd', F_ | B_, TYPED, LAYOUT(copy_data_f)),
	MSG(PGWIRE_MSG_COPY_DONE, "CopyDone", 'c', F_ | B_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_AUTHENTICATION_OK, "AuthenticationOk", 'R', B_, TYPED, LAYOUT(auth_ok_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_KERBEROS_V5, "AuthenticationKerberosV5", 'R', B_, TYPED,
		LAYOUT(auth_krb5_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_CLEARTEXT_PASSWORD, "AuthenticationCleartextPassword", 'R',
		B_, TYPED, LAYOUT(auth_clear_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD, "AuthenticationMD5Password", 'R', B_, TYPED,
		LAYOUT(auth_md5_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_GSS, "AuthenticationGSS", 'R', B_, TYPED, LAYOUT(auth_gss_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_GSS_CONTINUE, "AuthenticationGSSContinue", 'R', B_, TYPED,
		LAYOUT(auth_gss_continue_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_SSPI, "AuthenticationSSPI", 'R', B_, TYPED, LAYOUT(auth_sspi_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_SASL, "AuthenticationSASL", 'R', B_, TYPED,
		LAYOUT(auth_sasl_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_SASL_CONTINUE, "AuthenticationSASLContinue", 'R', B_, TYPED,
		LAYOUT(auth_sasl_continue_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_SASL_FINAL, "AuthenticationSASLFinal", 'R', B_, TYPED,
		LAYOUT(auth_sasl_final_f)),
	MSG(PGWIRE_MSG_BACKEND_KEY_DATA, "BackendKeyData", 'K', B_, TYPED, LAYOUT(backend_key_data_f)),
	MSG(PGWIRE_MSG_BIND_COMPLETE, "BindComplete", '2', B_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_CLOSE_COMPLETE, "CloseComplete", '3', B_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_COMMAND_COMPLETE, "CommandComplete", 'C', B_, TYPED,
		LAYOUT(command_complete_f)),
	MSG(PGWIRE_MSG_COPY_IN_RESPONSE, "CopyInResponse", 'G', B_, TYPED, LAYOUT(copy_response_f)),
	MSG(PGWIRE_MSG_COPY_OUT_RESPONSE, "CopyOutResponse", 'H', B_, TYPED, LAYOUT(copy_response_f)),
	MSG(PGWIRE_MSG_COPY_BOTH_RESPONSE, "CopyBothResponse", 'W', B_, TYPED,
		LAYOUT(copy_response_f)),
	MSG(PGWIRE_MSG_DATA_ROW, "DataRow", 'D', B_, TYPED, LAYOUT(data_row_f)),
	MSG(PGWIRE_MSG_EMPTY_QUERY_RESPONSE, "EmptyQueryResponse", 'I', B_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_ERROR_RESPONSE, "ErrorResponse", 'E', B_, TYPED, LAYOUT(error_response_f)),
	MSG(PGWIRE_MSG_FUNCTION_CALL_RESPONSE, "FunctionCallResponse", 'V', B_, TYPED,
		LAYOUT(function_call_response_f)),
	MSG(PGWIRE_MSG_NEGOTIATE_PROTOCOL_VERSION, "NegotiateProtocolVersion", 'v', B_, TYPED,
		LAYOUT(negotiate_f)),
	MSG(PGWIRE_MSG_NO_DATA, "NoData", 'n', B_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_NOTICE_RESPONSE, "NoticeResponse", 'N', B_, TYPED, LAYOUT(error_response_f)),
	MSG(PGWIRE_MSG_NOTIFICATION_RESPONSE, "NotificationResponse", 'A', B_, TYPED,
		LAYOUT(notification_f)),
	MSG(PGWIRE_MSG_PARAMETER_DESCRIPTION, "ParameterDescription", 't', B_, TYPED,
		LAYOUT(parameter_description_f)),
	MSG(PGWIRE_MSG_PARAMETER_STATUS, "ParameterStatus", 'S', B_, TYPED,
		LAYOUT(parameter_status_f)),
	MSG(PGWIRE_MSG_PARSE_COMPLETE, "ParseComplete", '1', B_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_PORTAL_SUSPENDED, "PortalSuspended", 's', B_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_READY_FOR_QUERY, "ReadyForQuery", 'Z', B_, TYPED, LAYOUT(ready_for_query_f)),
	MSG(PGWIRE_MSG_ROW_DESCRIPTION, "RowDescription", 'T', B_, TYPED, LAYOUT(row_description_f)),
	MSG(PGWIRE_MSG_SSL_RESPONSE, "SSLResponse", 0, B_, PGWIRE_FRAME_BYTE,
		LAYOUT(encryption_response_f)),
	MSG(PGWIRE_MSG_GSSENC_RESPONSE, "GSSENCResponse", 0, B_, PGWIRE_FRAME_BYTE,
		LAYOUT(encryption_response_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_RESPONSE, "AuthenticationResponse", 'p', F_, TYPED,
		LAYOUT(unknown_f)),
	MSG(PGWIRE_MSG_AUTHENTICATION_UNKNOWN, "AuthenticationUnknown", 'R', B_, TYPED,
		LAYOUT(auth_unknown_f)),
	MSG(PGWIRE_MSG_UNKNOWN, "Unknown", 0, F_ | B_, TYPED, LAYOUT(unknown_f)),
	MSG(PGWIRE_MSG_XLOG_DATA, "XLogData", 'w', B_, TYPED, LAYOUT(xlog_data_f)),
	MSG(PGWIRE_MSG_PRIMARY_KEEPALIVE, "PrimaryKeepalive", 'k', B_, TYPED,
		LAYOUT(primary_keepalive_f)),
	MSG(PGWIRE_MSG_STANDBY_STATUS_UPDATE, "StandbyStatusUpdate", 'r', F_, TYPED,
		LAYOUT(standby_status_update_f)),
	MSG(PGWIRE_MSG_HOT_STANDBY_FEEDBACK, "HotStandbyFeedback", 'h', F_, TYPED,
		LAYOUT(hot_standby_feedback_f)),
	MSG(PGWIRE_MSG_NEW_ARCHIVE, "NewArchive", 'n', B_, TYPED, LAYOUT(new_archive_f)),
	MSG(PGWIRE_MSG_MANIFEST, "Manifest", 'm', B_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_ARCHIVE_DATA, "ArchiveOrManifestData", 'd', B_, TYPED,
		LAYOUT(archive_data_f)),
	MSG(PGWIRE_MSG_PROGRESS_REPORT, "ProgressReport", 'p', B_, TYPED,
		LAYOUT(progress_report_f)),
	MSG(PGWIRE_MSG_LR_BEGIN, "Begin", 'B', B_, TYPED, LAYOUT(lr_begin_f)),
	MSG(PGWIRE_MSG_LR_MESSAGE, "Message", 'M', B_, TYPED, LAYOUT(lr_message_f)),
	MSG(PGWIRE_MSG_LR_COMMIT, "Commit", 'C', B_, TYPED, LAYOUT(lr_commit_f)),
	MSG(PGWIRE_MSG_LR_ORIGIN, "Origin", 'O', B_, TYPED, LAYOUT(lr_origin_f)),
	MSG(PGWIRE_MSG_LR_RELATION, "Relation", 'R', B_, TYPED, LAYOUT(lr_relation_f)),
	MSG(PGWIRE_MSG_LR_TYPE, "Type", 'Y', B_, TYPED, LAYOUT(lr_type_f)),
	MSG(PGWIRE_MSG_LR_INSERT, "Insert", 'I', B_, TYPED, LAYOUT(lr_insert_f)),
	MSG(PGWIRE_MSG_LR_UPDATE, "Update", 'U', B_, TYPED, LAYOUT(lr_update_f)),
	MSG(PGWIRE_MSG_LR_DELETE, "Delete", 'D', B_, TYPED, LAYOUT(lr_delete_f)),
	MSG(PGWIRE_MSG_LR_TRUNCATE, "Truncate", 'T', B_, TYPED, LAYOUT(lr_truncate_f)),
	MSG(PGWIRE_MSG_LR_STREAM_START, "StreamStart", 'S', B_, TYPED, LAYOUT(lr_stream_start_f)),
	MSG(PGWIRE_MSG_LR_STREAM_STOP, "StreamStop", 'E', B_, TYPED, NO_FIELDS),
	MSG(PGWIRE_MSG_LR_STREAM_COMMIT, "StreamCommit", 'c', B_, TYPED,
		LAYOUT(lr_stream_commit_f)),
	MSG(PGWIRE_MSG_LR_STREAM_ABORT, "StreamAbort", 'A', B_, TYPED, LAYOUT(lr_stream_abort_f)),
	MSG(PGWIRE_MSG_LR_BEGIN_PREPARE, "BeginPrepare", 'b', B_, TYPED,
		LAYOUT(lr_begin_prepare_f)),
	MSG(PGWIRE_MSG_LR_PREPARE, "Prepare", 'P', B_, TYPED, LAYOUT(lr_prepare_f)),
	MSG(PGWIRE_MSG_LR_COMMIT_PREPARED, "CommitPrepared", 'K', B_, TYPED,
		LAYOUT(lr_commit_prepared_f)),
	MSG(PGWIRE_MSG_LR_ROLLBACK_PREPARED, "RollbackPrepared", 'r', B_, TYPED,
		LAYOUT(lr_rollback_prepared_f)),
	MSG(PGWIRE_MSG_LR_STREAM_PREPARE, "StreamPrepare", 'p', B_, TYPED, LAYOUT(lr_prepare_f)),
};

const pgwire_msgdef *
pgwire_msgdef_get(pgwire_msg_kind kind)
{
	if ((int) kind <= PGWIRE_MSG_INVALID || kind >= PGWIRE_MSG__COUNT)
		return NULL;
	return &catalogue[kind];
}

const pgwire_msgdef *
pgwire_msgdef_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	for (int k = PGWIRE_MSG_INVALID + 1; k < PGWIRE_MSG__COUNT; k++)
		if (strcmp(catalogue[k].name, name) == 0)
			return &catalogue[k];
	return NULL;
}

const char *
pgwire_msg_name(pgwire_msg_kind kind)
{
	const pgwire_msgdef *d = pgwire_msgdef_get(kind);

	return d ? d->name : "Invalid";
}

/*
 * Message kind of a typed frame by direction and type byte; 'R' and 'p'
 * need the body or context and are resolved by the decoder.
 */
pgwire_msg_kind
pgwire_kind_for_type(pgwire_direction dir, uint8_t type)
{
	static const uint8_t frontend[256] = {
		['B'] = PGWIRE_MSG_BIND, ['C'] = PGWIRE_MSG_CLOSE, ['f'] = PGWIRE_MSG_COPY_FAIL,
		['D'] = PGWIRE_MSG_DESCRIBE, ['E'] = PGWIRE_MSG_EXECUTE, ['H'] = PGWIRE_MSG_FLUSH,
		['F'] = PGWIRE_MSG_FUNCTION_CALL, ['P'] = PGWIRE_MSG_PARSE, ['Q'] = PGWIRE_MSG_QUERY,
		['S'] = PGWIRE_MSG_SYNC, ['X'] = PGWIRE_MSG_TERMINATE, ['d'] = PGWIRE_MSG_COPY_DATA,
		['c'] = PGWIRE_MSG_COPY_DONE, ['p'] = PGWIRE_MSG_AUTHENTICATION_RESPONSE,
	};
	static const uint8_t backend[256] = {
		['R'] = PGWIRE_MSG_AUTHENTICATION_UNKNOWN, ['K'] = PGWIRE_MSG_BACKEND_KEY_DATA,
		['2'] = PGWIRE_MSG_BIND_COMPLETE, ['3'] = PGWIRE_MSG_CLOSE_COMPLETE,
		['C'] = PGWIRE_MSG_COMMAND_COMPLETE, ['d'] = PGWIRE_MSG_COPY_DATA,
		['c'] = PGWIRE_MSG_COPY_DONE, ['G'] = PGWIRE_MSG_COPY_IN_RESPONSE,
		['H'] = PGWIRE_MSG_COPY_OUT_RESPONSE, ['W'] = PGWIRE_MSG_COPY_BOTH_RESPONSE,
		['D'] = PGWIRE_MSG_DATA_ROW, ['I'] = PGWIRE_MSG_EMPTY_QUERY_RESPONSE,
		['E'] = PGWIRE_MSG_ERROR_RESPONSE, ['V'] = PGWIRE_MSG_FUNCTION_CALL_RESPONSE,
		['v'] = PGWIRE_MSG_NEGOTIATE_PROTOCOL_VERSION, ['n'] = PGWIRE_MSG_NO_DATA,
		['N'] = PGWIRE_MSG_NOTICE_RESPONSE, ['A'] = PGWIRE_MSG_NOTIFICATION_RESPONSE,
		['t'] = PGWIRE_MSG_PARAMETER_DESCRIPTION, ['S'] = PGWIRE_MSG_PARAMETER_STATUS,
		['1'] = PGWIRE_MSG_PARSE_COMPLETE, ['s'] = PGWIRE_MSG_PORTAL_SUSPENDED,
		['Z'] = PGWIRE_MSG_READY_FOR_QUERY, ['T'] = PGWIRE_MSG_ROW_DESCRIPTION,
	};

	return (pgwire_msg_kind) (dir == PGWIRE_FRONTEND ? frontend[type] : backend[type]);
}

/* Authentication message kind for an 'R' code; the unknown kind if none. */
pgwire_msg_kind
pgwire_kind_for_auth_code(int32_t code)
{
	switch (code)
	{
		case 0:
			return PGWIRE_MSG_AUTHENTICATION_OK;
		case 2:
			return PGWIRE_MSG_AUTHENTICATION_KERBEROS_V5;
		case 3:
			return PGWIRE_MSG_AUTHENTICATION_CLEARTEXT_PASSWORD;
		case 5:
			return PGWIRE_MSG_AUTHENTICATION_MD5_PASSWORD;
		case 7:
			return PGWIRE_MSG_AUTHENTICATION_GSS;
		case 8:
			return PGWIRE_MSG_AUTHENTICATION_GSS_CONTINUE;
		case 9:
			return PGWIRE_MSG_AUTHENTICATION_SSPI;
		case 10:
			return PGWIRE_MSG_AUTHENTICATION_SASL;
		case 11:
			return PGWIRE_MSG_AUTHENTICATION_SASL_CONTINUE;
		case 12:
			return PGWIRE_MSG_AUTHENTICATION_SASL_FINAL;
		default:
			return PGWIRE_MSG_AUTHENTICATION_UNKNOWN;
	}
}
