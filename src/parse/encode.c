/*
 * libpg_query's raw parse tree written straight to protobuf wire format.
 *
 * pg_query_parse_protobuf() builds a upb message for every node and then encodes it with upb,
 * whose encoder looks at every one of the 271 members of the `Node` oneof for each node it
 * writes: on our corpus that encoder was a fifth of pgproof's whole CPU time. This file walks
 * the same tree with libpg_query's own generated field list (pg_query_outfuncs_defs.c, shared by
 * its JSON and protobuf writers) and writes the same protobuf message (ParseResult, field numbers
 * from pg_query.proto via the generated pgproof_tags.h) without building it first. The Rust side
 * decodes it with the same prost types, and a test checks that both writers give the same tree.
 *
 * It also runs the raw parser itself (pgproof_parse_protobuf, pgproof_split) inside one PG_TRY that
 * covers libpg_query's error handling too: an error outside any PG_TRY is FATAL, and libpg_query's
 * FATAL prints on stdout and exits the process. Out of memory is reported as a resource error.
 *
 * Nested messages get a fixed 5-byte length (a varint padded with continuation bytes, which
 * protobuf decoders accept), so nothing is written twice or moved.
 */
#include "pg_query.h"
#include "pg_query_internal.h"

#include "postgres.h"
#include <string.h>
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "nodes/value.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "utils/guc.h"

#include "pgproof_tags.h"

typedef struct
{
	char	   *data;
	size_t		len;
	size_t		cap;
	int			depth;
} OutBuf;

/* One buffer per thread (libpg_query runs per thread); reused across calls. */
static __thread OutBuf out_buf;

static void
out_grow(size_t need)
{
	size_t		cap = out_buf.cap ? out_buf.cap : 4096;
	char	   *data;

	while (cap < out_buf.len + need)
		cap *= 2;
	data = realloc(out_buf.data, cap);
	if (data == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory while writing the parse tree")));
	out_buf.data = data;
	out_buf.cap = cap;
}

static inline void
out_reserve(size_t need)
{
	if (out_buf.len + need > out_buf.cap)
		out_grow(need);
}

static inline void
out_varint(uint64_t value)
{
	out_reserve(10);
	while (value >= 0x80)
	{
		out_buf.data[out_buf.len++] = (char) (value | 0x80);
		value >>= 7;
	}
	out_buf.data[out_buf.len++] = (char) value;
}

static inline void
out_tag(int field, int wire_type)
{
	out_varint(((uint64_t) field << 3) | (uint64_t) wire_type);
}

static inline void
out_bytes(int field, const char *data, size_t len)
{
	out_tag(field, 2);
	out_varint(len);
	out_reserve(len);
	memcpy(out_buf.data + out_buf.len, data, len);
	out_buf.len += len;
}

/* Starts a nested message; returns where its length goes. */
static inline size_t
out_begin(int field)
{
	size_t		at;

	if (++out_buf.depth > PG_QUERY_PROTOBUF_MAX_DEPTH)
		ereport(ERROR, (errcode(ERRCODE_STATEMENT_TOO_COMPLEX), errmsg("parse tree is nested too deeply to serialize to protobuf")));
	out_tag(field, 2);
	out_reserve(5);
	at = out_buf.len;
	out_buf.len += 5;
	return at;
}

static inline void
out_end(size_t at)
{
	uint64_t	n = out_buf.len - at - 5;
	unsigned char *p = (unsigned char *) out_buf.data + at;

	if (n >= ((uint64_t) 1 << 35))
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("parse tree too large to serialize to protobuf")));
	p[0] = (unsigned char) ((n & 0x7f) | 0x80);
	p[1] = (unsigned char) (((n >> 7) & 0x7f) | 0x80);
	p[2] = (unsigned char) (((n >> 14) & 0x7f) | 0x80);
	p[3] = (unsigned char) (((n >> 21) & 0x7f) | 0x80);
	p[4] = (unsigned char) ((n >> 28) & 0x7f);
	out_buf.depth--;
}

static inline void
out_string(int field, const char *s)
{
	/* proto3: an empty string is the default and is not written */
	if (s != NULL && s[0] != '\0')
		out_bytes(field, s, strlen(s));
}

static inline void
out_int64(int field, int64_t value)
{
	if (value != 0)
	{
		out_tag(field, 0);
		out_varint((uint64_t) value);
	}
}

static inline void
out_uint64(int field, uint64_t value)
{
	if (value != 0)
	{
		out_tag(field, 0);
		out_varint(value);
	}
}

static inline void
out_double(int field, double value)
{
	uint64_t	bits;

	memcpy(&bits, &value, 8);
	if (bits != 0)
	{
		int			i;

		out_tag(field, 1);
		out_reserve(8);
		for (i = 0; i < 8; i++)
			out_buf.data[out_buf.len++] = (char) (bits >> (8 * i));
	}
}

#define TAG(msgtype, field) PGP_TAG_##msgtype##_##field

/* The generated functions keep libpg_query's signatures; the message argument is unused. */
#define OUT_TYPE(typename, typename_c) void *

#define OUT_NODE(typename, typename_c, typename_underscore, typename_underscore_upcase, typename_cast, fldname) \
	{ \
		size_t __at = out_begin(TAG(Node, fldname)); \
		_out##typename_c(NULL, (const typename_cast *) obj); \
		out_end(__at); \
	}

#define WRITE_INT_FIELD(msgtype, outname, outname_json, fldname) \
	out_int64(TAG(msgtype, outname), (int64_t) (int32_t) node->fldname);
#define WRITE_UINT_FIELD(msgtype, outname, outname_json, fldname) \
	out_uint64(TAG(msgtype, outname), (uint64_t) (uint32_t) node->fldname);
#define WRITE_UINT64_FIELD(msgtype, outname, outname_json, fldname) \
	out_uint64(TAG(msgtype, outname), (uint64_t) node->fldname);
#define WRITE_LONG_FIELD(msgtype, outname, outname_json, fldname) \
	out_int64(TAG(msgtype, outname), (int64_t) node->fldname);
#define WRITE_FLOAT_FIELD(msgtype, outname, outname_json, fldname) \
	out_double(TAG(msgtype, outname), (double) node->fldname);
#define WRITE_BOOL_FIELD(msgtype, outname, outname_json, fldname) \
	out_uint64(TAG(msgtype, outname), node->fldname ? 1 : 0);

#define WRITE_CHAR_FIELD(msgtype, outname, outname_json, fldname) \
	if (node->fldname != 0) { \
		char __c = node->fldname; \
		out_bytes(TAG(msgtype, outname), &__c, 1); \
	}

#define WRITE_STRING_FIELD(msgtype, outname, outname_json, fldname) \
	out_string(TAG(msgtype, outname), node->fldname);

#define WRITE_ENUM_FIELD(msgtype, enumtype, outname, outname_json, fldname) \
	out_int64(TAG(msgtype, outname), (int64_t) _enumToInt##enumtype(node->fldname));

#define WRITE_LIST_FIELD(msgtype, outname, outname_json, fldname) \
	if (node->fldname != NULL) { \
		const ListCell *__lc; \
		foreach(__lc, node->fldname) { \
			size_t __at = out_begin(TAG(msgtype, outname)); \
			_outNode(NULL, lfirst(__lc)); \
			out_end(__at); \
		} \
	}

#define WRITE_BITMAPSET_FIELD(msgtype, outname, outname_json, fldname) \
	if (!bms_is_empty(node->fldname)) { \
		int __x = -1; \
		while ((__x = bms_next_member(node->fldname, __x)) >= 0) { \
			out_tag(TAG(msgtype, outname), 0); \
			out_varint((uint64_t) __x); \
		} \
	}

#define WRITE_NODE_FIELD(msgtype, outname, outname_json, fldname) \
	{ \
		size_t __at = out_begin(TAG(msgtype, outname)); \
		_outNode(NULL, &node->fldname); \
		out_end(__at); \
	}

#define WRITE_NODE_PTR_FIELD(msgtype, outname, outname_json, fldname) \
	if (node->fldname != NULL) { \
		size_t __at = out_begin(TAG(msgtype, outname)); \
		_outNode(NULL, node->fldname); \
		out_end(__at); \
	}

#define WRITE_SPECIFIC_NODE_FIELD(msgtype, typename, typename_underscore, outname, outname_json, fldname) \
	{ \
		size_t __at = out_begin(TAG(msgtype, outname)); \
		_out##typename(NULL, &node->fldname); \
		out_end(__at); \
	}

#define WRITE_SPECIFIC_NODE_PTR_FIELD(msgtype, typename, typename_underscore, outname, outname_json, fldname) \
	if (node->fldname != NULL) { \
		size_t __at; \
		check_stack_depth(); \
		__at = out_begin(TAG(msgtype, outname)); \
		_out##typename(NULL, node->fldname); \
		out_end(__at); \
	}

/* The proto names the Float member of the Node oneof `float`; the shared call site says `float_`. */
#define PGP_TAG_Node_float_ PGP_TAG_Node_float

static void _outNode(void *out, const void *obj);

static void
_outItems(int field, const List *node)
{
	const ListCell *lc;

	foreach(lc, node)
	{
		size_t		at = out_begin(field);

		_outNode(NULL, lfirst(lc));
		out_end(at);
	}
}

static void
_outList(void *out, const List *node)
{
	_outItems(TAG(List, items), node);
}

static void
_outIntList(void *out, const List *node)
{
	_outItems(TAG(IntList, items), node);
}

static void
_outOidList(void *out, const List *node)
{
	_outItems(TAG(OidList, items), node);
}

static void
_outInteger(void *out, const Integer *node)
{
	out_int64(TAG(Integer, ival), (int64_t) node->ival);
}

static void
_outFloat(void *out, const Float *node)
{
	out_string(TAG(Float, fval), node->fval);
}

static void
_outBoolean(void *out, const Boolean *node)
{
	out_uint64(TAG(Boolean, boolval), node->boolval ? 1 : 0);
}

static void
_outString(void *out, const String *node)
{
	out_string(TAG(String, sval), node->sval);
}

static void
_outBitString(void *out, const BitString *node)
{
	out_string(TAG(BitString, bsval), node->bsval);
}

/* One member of A_Const's `val` oneof. */
#define OUT_ACONST_VAL(field, typename, member) \
	{ \
		size_t __at = out_begin(TAG(A_Const, field)); \
		_out##typename(NULL, &node->val.member); \
		out_end(__at); \
	}

static void
_outAConst(void *out, const A_Const *node)
{
	out_uint64(TAG(A_Const, isnull), node->isnull ? 1 : 0);
	out_int64(TAG(A_Const, location), (int64_t) node->location);
	if (node->isnull)
		return;
	switch (nodeTag(&node->val.node))
	{
		case T_Integer:
			OUT_ACONST_VAL(ival, Integer, ival);
			break;
		case T_Float:
			OUT_ACONST_VAL(fval, Float, fval);
			break;
		case T_Boolean:
			OUT_ACONST_VAL(boolval, Boolean, boolval);
			break;
		case T_String:
			OUT_ACONST_VAL(sval, String, sval);
			break;
		case T_BitString:
			OUT_ACONST_VAL(bsval, BitString, bsval);
			break;
		default:
			break;
	}
}

#include "pg_query_enum_defs.c"
#include "pg_query_outfuncs_defs.c"

static void
_outNode(void *out, const void *obj)
{
	check_stack_depth();

	if (obj == NULL)
		return;					/* an empty Node message, as libpg_query writes it */

	switch (nodeTag(obj))
	{
#include "pg_query_outfuncs_conds.c"

		default:
			elog(WARNING, "could not dump unrecognized node type: %d", (int) nodeTag(obj));
			return;
	}
}

typedef struct
{
	/* The encoded ParseResult; valid until this thread's next call. */
	const char *data;
	size_t		len;
	PgQueryError *error;
	/* Whether `error` is the parser running out of resources (memory, allocation size limit)
	 * rather than something wrong with the SQL. */
	int			resource_error;
} PgproofParseResult;

/* Statement boundaries found by the grammar (malloc-ed; free with pgproof_free_split). */
typedef struct
{
	int		   *bounds;			/* start and length of each statement, in bytes */
	int			count;
	PgQueryError *error;
	int			resource_error;
} PgproofSplitResult;

/*
 * parse/ffi.rs declares these structs again and asserts their sizes and field offsets on
 * 64-bit targets; the same numbers here make the C compiler confirm them for its own layout.
 */
#if SIZEOF_VOID_P == 8
StaticAssertDecl(sizeof(PgQueryError) == 40 && offsetof(PgQueryError, lineno) == 24 &&
				 offsetof(PgQueryError, cursorpos) == 28 && offsetof(PgQueryError, context) == 32,
				 "PgQueryError layout differs from parse/ffi.rs");
StaticAssertDecl(sizeof(PgproofParseResult) == 32 && offsetof(PgproofParseResult, len) == 8 &&
				 offsetof(PgproofParseResult, error) == 16 &&
				 offsetof(PgproofParseResult, resource_error) == 24,
				 "PgproofParseResult layout differs from parse/ffi.rs");
StaticAssertDecl(sizeof(PgproofSplitResult) == 32 && offsetof(PgproofSplitResult, count) == 8 &&
				 offsetof(PgproofSplitResult, error) == 16 &&
				 offsetof(PgproofSplitResult, resource_error) == 24,
				 "PgproofSplitResult layout differs from parse/ffi.rs");
StaticAssertDecl(sizeof(PgQueryProtobuf) == 16 && offsetof(PgQueryProtobuf, data) == 8 &&
				 sizeof(PgQueryProtobufParseResult) == 32 &&
				 offsetof(PgQueryProtobufParseResult, stderr_buffer) == 16 &&
				 offsetof(PgQueryProtobufParseResult, error) == 24,
				 "PgQueryProtobufParseResult layout differs from parse/ffi.rs");
StaticAssertDecl(sizeof(PgQueryPlpgsqlParseResult) == 16 &&
				 offsetof(PgQueryPlpgsqlParseResult, error) == 8,
				 "PgQueryPlpgsqlParseResult layout differs from catalog/body.rs");
#endif

/* Buffers above this size are given back to the allocator before the next parse. */
#define OUT_BUF_KEEP (8 * 1024 * 1024)

/*
 * The error being handled, copied out of PostgreSQL's memory, and the parse's memory context
 * (`ctx`, when it was created) deleted. Called in a PG_CATCH block. The context is emptied before
 * the error is copied into it, so an out-of-memory error has its memory back first.
 */
static PgQueryError *
take_error(MemoryContext ctx, int *resource_error)
{
	ErrorData  *error_data;
	PgQueryError *error;

	if (ctx != NULL)
	{
		MemoryContextReset(ctx);
		MemoryContextSwitchTo(ctx);
	}
	else
		MemoryContextSwitchTo(TopMemoryContext);
	error_data = CopyErrorData();
	FlushErrorState();
	error = malloc(sizeof(PgQueryError));
	if (error != NULL)
	{
		error->message = strdup(error_data->message ? error_data->message : "unknown error");
		error->filename = error_data->filename ? strdup(error_data->filename) : NULL;
		error->funcname = error_data->funcname ? strdup(error_data->funcname) : NULL;
		error->context = NULL;
		error->lineno = error_data->lineno;
		error->cursorpos = error_data->cursorpos;
	}
	/* Out of memory, or an allocation over PostgreSQL's 1 GB limit (an internal error). */
	*resource_error = error_data->sqlerrcode == ERRCODE_OUT_OF_MEMORY ||
		error_data->sqlerrcode == ERRCODE_INTERNAL_ERROR;
	/* Without a copy of the message, the caller can only be told that memory ran out. */
	if (error == NULL || error->message == NULL)
		*resource_error = 1;
	if (ctx != NULL)
		pg_query_exit_memory_context(ctx);
	else
		MemoryContextSwitchTo(TopMemoryContext);
	return error;
}

/*
 * PostgreSQL's raw parser on `input`, in the current memory context. Unlike pg_query_raw_parse,
 * it does not redirect the process's stderr to a pipe for the call: that redirection is not
 * thread-safe (two threads parsing at once can leave stderr pointing at a closed pipe), and a run
 * with many warnings fills the pipe and blocks. The parser's warnings (`GLOBAL is deprecated`) are
 * not wanted, so messages below ERROR are not written at all.
 */
static List *
raw_parse(const char *input)
{
	log_min_messages = ERROR;
	backslash_quote = BACKSLASH_QUOTE_SAFE_ENCODING;
	standard_conforming_strings = true;
	escape_string_warning = true;
	return raw_parser(input, RAW_PARSE_DEFAULT);
}

/*
 * Every error of the parse, of the encoding, and of libpg_query's own error handling is caught
 * here: outside a PG_TRY block PostgreSQL turns an ERROR into FATAL, and libpg_query's FATAL
 * prints "Terminating process due to FATAL error" on stdout and exits the process.
 */
/*
 * For a tree only lowered into pgproof's statement model: of a top-level INSERT, UPDATE or DELETE
 * the lowering (src/syntax/lower.rs) reads only the table, the columns named, whether an INSERT's
 * source is a query rather than VALUES (so one VALUES row is kept), whether there is a WHERE
 * clause, and whether an UPDATE target assigns a field or an element. The rest (the values and
 * expressions, FROM and USING, RETURNING, WITH, ON CONFLICT) is cut from the tree before it is
 * written, so a seed-data INSERT of many MiB, or an UPDATE with a large subquery, costs its parse
 * and not a written and decoded tree. A WHERE clause becomes a bare parameter reference.
 */
static void
trim_for_model(RawStmt *raw)
{
	Node	   *stmt;
	ListCell   *lc;

	if (raw == NULL || raw->stmt == NULL)
		return;
	stmt = raw->stmt;
	if (IsA(stmt, InsertStmt))
	{
		InsertStmt *insert = (InsertStmt *) stmt;

		insert->onConflictClause = NULL;
		insert->returningClause = NULL;
		insert->withClause = NULL;
		if (insert->selectStmt != NULL && IsA(insert->selectStmt, SelectStmt))
		{
			SelectStmt *select = (SelectStmt *) insert->selectStmt;

			if (select->valuesLists != NIL)
				select->valuesLists = list_truncate(select->valuesLists, 1);
			else
				insert->selectStmt = (Node *) makeNode(SelectStmt);
		}
	}
	else if (IsA(stmt, UpdateStmt))
	{
		UpdateStmt *update = (UpdateStmt *) stmt;

		foreach(lc, update->targetList)
		{
			if (IsA(lfirst(lc), ResTarget))
				((ResTarget *) lfirst(lc))->val = NULL;
		}
		if (update->whereClause != NULL)
			update->whereClause = (Node *) makeNode(ParamRef);
		update->fromClause = NIL;
		update->returningClause = NULL;
		update->withClause = NULL;
	}
	else if (IsA(stmt, DeleteStmt))
	{
		DeleteStmt *delete = (DeleteStmt *) stmt;

		if (delete->whereClause != NULL)
			delete->whereClause = (Node *) makeNode(ParamRef);
		delete->usingClause = NIL;
		delete->returningClause = NULL;
		delete->withClause = NULL;
	}
}

/*
 * `for_model`: the tree is only lowered into pgproof's statement model, so what that lowering
 * does not read of an INSERT, UPDATE or DELETE is left out (see trim_for_model).
 */
PgproofParseResult
pgproof_parse_protobuf(const char *input, int for_model)
{
	MemoryContext volatile ctx = NULL;
	PgproofParseResult result = {0};

	if (out_buf.cap > OUT_BUF_KEEP)
	{
		free(out_buf.data);
		out_buf.data = NULL;
		out_buf.cap = 0;
	}
	out_buf.len = 0;
	out_buf.depth = 0;

	pg_query_init();
	PG_TRY();
	{
		const ListCell *lc;
		List	   *tree;

		ctx = pg_query_enter_memory_context();
		tree = raw_parse(input);
		out_int64(TAG(ParseResult, version), PG_VERSION_NUM);
		foreach(lc, tree)
		{
			size_t		at;

			if (for_model)
				trim_for_model(lfirst(lc));
			at = out_begin(TAG(ParseResult, stmts));
			_outRawStmt(NULL, lfirst(lc));
			out_end(at);
		}
		result.data = out_buf.data;
		result.len = out_buf.len;
	}
	PG_CATCH();
	{
		/* A large tree's buffer goes back before the error is copied. */
		free(out_buf.data);
		out_buf.data = NULL;
		out_buf.cap = 0;
		out_buf.len = 0;
		result.error = take_error(ctx, &result.resource_error);
		ctx = NULL;
	}
	PG_END_TRY();

	if (ctx != NULL)
		pg_query_exit_memory_context(ctx);
	return result;
}

/* The statement boundaries of `input` from the grammar, without encoding a tree; errors as in
 * pgproof_parse_protobuf. */
PgproofSplitResult
pgproof_split(const char *input)
{
	MemoryContext volatile ctx = NULL;
	int		   *volatile bounds = NULL;
	PgproofSplitResult result = {0};

	pg_query_init();
	PG_TRY();
	{
		const ListCell *lc;
		List	   *tree;
		size_t		len = strlen(input);

		ctx = pg_query_enter_memory_context();
		tree = raw_parse(input);
		bounds = malloc(sizeof(int) * 2 * (list_length(tree) > 0 ? list_length(tree) : 1));
		if (bounds == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		foreach(lc, tree)
		{
			RawStmt    *raw = castNode(RawStmt, lfirst(lc));
			int			k = foreach_current_index(lc);

			bounds[2 * k] = raw->stmt_location;
			bounds[2 * k + 1] = raw->stmt_len == 0 ? (int) (len - raw->stmt_location) : raw->stmt_len;
		}
		result.count = list_length(tree);
		result.bounds = bounds;
	}
	PG_CATCH();
	{
		free(bounds);
		result.bounds = NULL;
		result.count = 0;
		result.error = take_error(ctx, &result.resource_error);
		ctx = NULL;
	}
	PG_END_TRY();

	if (ctx != NULL)
		pg_query_exit_memory_context(ctx);
	return result;
}

void
pgproof_free_split(PgproofSplitResult result)
{
	free(result.bounds);
	if (result.error != NULL)
		pg_query_free_error(result.error);
}

void
pgproof_free_parse_error(PgQueryError *error)
{
	if (error != NULL)
		pg_query_free_error(error);
}
