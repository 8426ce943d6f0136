//! The C functions pgproof calls: `src/parse/encode.c` (compiled by build.rs) and, in tests,
//! libpg_query's own protobuf writer. The `#[repr(C)]` structs mirror their C declarations.

use std::os::raw::{c_char, c_int};

#[repr(C)]
pub struct PgQueryError {
    pub message: *mut c_char,
    pub funcname: *mut c_char,
    pub filename: *mut c_char,
    pub lineno: c_int,
    pub cursorpos: c_int,
    pub context: *mut c_char,
}

#[cfg(test)]
#[repr(C)]
pub struct PgQueryProtobuf {
    pub len: usize,
    pub data: *mut c_char,
}

#[repr(C)]
pub struct PgproofSplitResult {
    pub bounds: *mut c_int,
    pub count: c_int,
    pub error: *mut PgQueryError,
    pub resource_error: c_int,
}

#[cfg(test)]
#[repr(C)]
pub struct PgQueryProtobufParseResult {
    pub parse_tree: PgQueryProtobuf,
    pub stderr_buffer: *mut c_char,
    pub error: *mut PgQueryError,
}

#[repr(C)]
pub struct PgproofParseResult {
    pub data: *const c_char,
    pub len: usize,
    pub error: *mut PgQueryError,
    pub resource_error: c_int,
}

// Provided by src/parse/encode.c (compiled by build.rs).
extern "C" {
    pub fn pgproof_parse_protobuf(input: *const c_char, for_model: c_int) -> PgproofParseResult;
    pub fn pgproof_free_parse_error(error: *mut PgQueryError);
    pub fn pgproof_split(input: *const c_char) -> PgproofSplitResult;
    pub fn pgproof_free_split(result: PgproofSplitResult);
}

// Provided by the libpg_query static library that the pg_query crate builds and links
// (declared in its pg_query.h).
extern "C" {
    #[cfg(test)]
    pub fn pg_query_parse_protobuf_opts(
        input: *const c_char,
        parser_options: c_int,
    ) -> PgQueryProtobufParseResult;
    #[cfg(test)]
    pub fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
}
