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
