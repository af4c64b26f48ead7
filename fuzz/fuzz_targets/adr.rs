//! ADR parsing: any Markdown gives a title and status or nothing, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(adr) = archfit::adr::parse(&text) {
        let _ = adr.status.as_ref().map(|s| (s.is_retired(), s.is_inactive(), s.as_str().len()));
    }
    // An id is a file-name number or a date prefix: digits and dashes only.
    if let Some(id) = archfit::adr::id_from_file_name(&text) {
        assert!(!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
    }
});
