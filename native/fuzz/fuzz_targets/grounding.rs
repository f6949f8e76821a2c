#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| samsara_native::fuzz_targets::grounding(data));
