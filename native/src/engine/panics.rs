//! A panic's message can hold the text being worked on (a string-slicing panic prints the string), so
//! neither stderr nor an error message ever gets it: only where the panic happened.

use std::cell::RefCell;

thread_local! {
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the default panic hook (which prints the message) with one that prints the location and
/// keeps it for `location()`. Installed when the addon loads.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "an unknown place".into());
        eprintln!("samsara: internal error at {at}");
        LAST.with(|l| *l.borrow_mut() = Some(at));
    }));
}

/// Where the panic just caught on this thread happened.
pub fn location() -> String {
    LAST.with(|l| l.borrow_mut().take())
        .unwrap_or_else(|| "an unknown place".into())
}
