//! archfit.toml parsing: any text gives a Config or located errors, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let file = archfit::error::SourceFile::new("archfit.toml", text);
        if let Err(errors) = archfit::checks::parse_config(&file) {
            for error in errors {
                // Every span must fall on the text, or miette cannot draw it.
                if let Some(span) = error.span {
                    assert!(span.start <= span.end && span.end <= text.len(), "{span:?} outside {}", text.len());
                }
            }
        }
    }
});
