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

// The layouts above must match the C declarations (pg_query.h; `encode.c` for the `Pgproof*`
// ones) field for field. Expected values for 64-bit targets, from C's rules: pointers and
// `size_t` are 8 bytes, `int` 4; each field starts at the next multiple of its own size, and the
// struct's size is rounded up to a multiple of 8. `encode.c` asserts the same numbers for the C
// compiler's layout, so a drift on either side fails the build.
#[cfg(target_pointer_width = "64")]
const _: () = {
    use std::mem::{offset_of, size_of};
    // { char *message; char *funcname; char *filename; int lineno; int cursorpos; char *context; }
    assert!(size_of::<PgQueryError>() == 40);
    assert!(offset_of!(PgQueryError, message) == 0);
    assert!(offset_of!(PgQueryError, funcname) == 8);
    assert!(offset_of!(PgQueryError, filename) == 16);
    assert!(offset_of!(PgQueryError, lineno) == 24);
    assert!(offset_of!(PgQueryError, cursorpos) == 28);
    assert!(offset_of!(PgQueryError, context) == 32);
    // { int *bounds; int count; /* 4 bytes padding */ PgQueryError *error; int resource_error; /* 4 */ }
    assert!(size_of::<PgproofSplitResult>() == 32);
    assert!(offset_of!(PgproofSplitResult, bounds) == 0);
    assert!(offset_of!(PgproofSplitResult, count) == 8);
    assert!(offset_of!(PgproofSplitResult, error) == 16);
    assert!(offset_of!(PgproofSplitResult, resource_error) == 24);
    // { const char *data; size_t len; PgQueryError *error; int resource_error; /* 4 */ }
    assert!(size_of::<PgproofParseResult>() == 32);
    assert!(offset_of!(PgproofParseResult, data) == 0);
    assert!(offset_of!(PgproofParseResult, len) == 8);
    assert!(offset_of!(PgproofParseResult, error) == 16);
    assert!(offset_of!(PgproofParseResult, resource_error) == 24);
};

#[cfg(all(test, target_pointer_width = "64"))]
const _: () = {
    use std::mem::{offset_of, size_of};
    // { size_t len; char *data; }
    assert!(size_of::<PgQueryProtobuf>() == 16);
    assert!(offset_of!(PgQueryProtobuf, len) == 0);
    assert!(offset_of!(PgQueryProtobuf, data) == 8);
    // { PgQueryProtobuf parse_tree; char *stderr_buffer; PgQueryError *error; }
    assert!(size_of::<PgQueryProtobufParseResult>() == 32);
    assert!(offset_of!(PgQueryProtobufParseResult, parse_tree) == 0);
    assert!(offset_of!(PgQueryProtobufParseResult, stderr_buffer) == 16);
    assert!(offset_of!(PgQueryProtobufParseResult, error) == 24);
};

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
