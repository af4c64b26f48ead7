//! Source fact extraction: any text parses or fails with a message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = archfit::facts::extract_text(text);
    }
});
