//! The settings a caller gives keyaudit's libraries, by name.
//!
//! A library message that tells the user what to change names the setting
//! with a [`Setting`], never with a command-line flag: the error types offer
//! `message(name)`, which words each setting with `name` (the `keyaudit`
//! binary passes its flags), and their `Display` uses [`Setting::neutral`].

use std::fmt;

/// A setting a library message may tell the user to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setting {
    /// The file holding the IT Glue API key.
    ApiKeyFile,
    /// How many days of activity logs to fetch.
    Days,
    /// The first day of activity logs to fetch.
    Since,
    /// The usage files (activity logs) read by an audit.
    Usage,
    /// The IT Glue data centre (us, eu, au).
    Region,
    /// The IT Glue API's base URL.
    BaseUrl,
    /// The most requests sent to IT Glue per 5 minutes.
    MaxRequestsPer5Min,
    /// The time zone of times without an offset in a usage file.
    Timezone,
    /// The window a usage file covers, when it does not say.
    UsageWindow,
    /// Reading an incomplete or truncated usage file anyway.
    AllowPartial,
}

impl Setting {
    /// The setting in plain words, e.g. `days option`: how a library
    /// message names it when no caller words it.
    pub fn neutral(self) -> &'static str {
        match self {
            Setting::ApiKeyFile => "API-key-file option",
            Setting::Days => "days option",
            Setting::Since => "since option",
            Setting::Usage => "usage-file option",
            Setting::Region => "region option",
            Setting::BaseUrl => "base-URL option",
            Setting::MaxRequestsPer5Min => "requests-per-5-minutes option",
            Setting::Timezone => "time-zone option",
            Setting::UsageWindow => "usage-window option",
            Setting::AllowPartial => "allow-partial option",
        }
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.neutral())
    }
}
