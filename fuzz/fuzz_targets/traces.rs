//! Trace exports (`--traces`): any bytes give calls and diagnostics, never
//! a panic, and every call's example points into the one file read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let traces = archfit::traces::read_from(data, "traces.jsonl");
    for call in &traces.calls {
        assert!(call.count > 0 && call.from != call.to);
        assert_eq!(call.example.file, 0);
        assert!(call.example.line >= 1);
    }
    for diagnostic in &traces.diagnostics {
        assert_eq!(diagnostic.file.as_deref(), Some("traces.jsonl"));
    }
});
