//! SQL table extraction: any text gives tables or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = archfit::sql::looks_like_sql(text);
        let _ = archfit::sql::scan_tables(text);
        if let Some(ranges) = archfit::sql::statement_ranges(text) {
            for range in ranges {
                // Every statement must be a slice of the script.
                assert!(text.get(range.clone()).is_some(), "{range:?} is not a slice");
            }
        }
        if let Ok(statements) = archfit::sql::parse(text) {
            let _ = archfit::sql::tables(&statements);
            let _ = archfit::sql::defined_tables(&statements);
            let _ = archfit::sql::table_changes(&statements);
            let _ = archfit::sql::temporary_tables(&statements);
        }
    }
});
