//! How the binary words the settings that library messages name: the
//! command-line flag of each [`Setting`], used when an error is printed.
//!
//! The library crates name a setting with a [`Setting`] and never with a
//! flag (`tests/it/flags.rs` scans their sources); this is the one place
//! that maps one to the other.

use std::error::Error;

use keyaudit_ingest::IngestError;
use keyaudit_itglue::FetchError;
use keyaudit_model::Setting;

/// The flag that gives `setting`.
pub fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::ApiKeyFile => "--api-key-file",
        Setting::Days => "--days",
        Setting::Since => "--since",
        Setting::Usage => "--usage",
        Setting::Region => "--region",
        Setting::BaseUrl => "--base-url",
        Setting::MaxRequestsPer5Min => "--max-requests-per-5min",
        Setting::Timezone => "--timezone",
        Setting::UsageWindow => "--usage-window",
        Setting::AllowPartial => "--allow-partial",
    }
}

/// The message of one error of a chain with its settings worded as flags,
/// when it is a library error that names settings.
pub fn message(error: &(dyn Error + 'static)) -> Option<String> {
    if let Some(error) = error.downcast_ref::<FetchError>() {
        return Some(error.message(flag));
    }
    error
        .downcast_ref::<IngestError>()
        .map(|error| error.message(flag))
}
