//! Event times: a hand-written parser for the forms usage files use (the
//! hot path of every usage format), and the reading of naive local times
//! in an IANA time zone.
//!
//! Accepted forms (surrounding whitespace ignored):
//!
//! | form | example |
//! |---|---|
//! | RFC 3339 / ISO 8601 with an offset | `2024-03-14T14:05:09Z`, `2024-03-14T14:05:09.123+01:00`, `2024-03-14 14:05:09+0100` |
//! | ISO, naive | `2024-03-14 14:05`, `2024-03-14 14:05:09`, `2024-03-14T14:05:09`, `2024-03-14` |
//! | US, 12-hour | `03/14/2024 02:05 PM`, `3/14/2024 2:05:09 pm` |
//! | US, 24-hour | `03/14/2024 14:05`, `03/14/2024 14:05:09`, `03/14/2024` |
//!
//! A time with an offset is taken as given; a naive one is read in the
//! time zone of the read (`--timezone`). A date alone is midnight.

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone, Utc,
};
use chrono_tz::Tz;

/// The forms accepted, for messages.
pub(crate) const TIME_FORMS: &str = "a time such as 03/14/2024 02:05 PM, 03/14/2024 02:05:09 PM, \
     03/14/2024 14:05, 2024-03-14 14:05, 2024-03-14 14:05:09, 2024-03-14T14:05:09, \
     or RFC 3339 with an offset such as 2024-03-14T14:05:09Z";

/// The time zone naive times are read in, with a fast path for UTC.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Zone {
    tz: Tz,
    utc: bool,
}

impl Zone {
    /// The zone `tz`; UTC and its aliases take a fast path.
    pub(crate) fn new(tz: Tz) -> Self {
        let utc = matches!(
            tz,
            Tz::UTC
                | Tz::Etc__UTC
                | Tz::Etc__UCT
                | Tz::UCT
                | Tz::Etc__Universal
                | Tz::Universal
                | Tz::Etc__Zulu
                | Tz::Zulu
                | Tz::Etc__GMT
                | Tz::GMT
                | Tz::Etc__GMT0
                | Tz::Etc__GMTPlus0
                | Tz::Etc__GMTMinus0
                | Tz::GMT0
                | Tz::GMTPlus0
                | Tz::GMTMinus0
                | Tz::Etc__Greenwich
                | Tz::Greenwich
        );
        Self { tz, utc }
    }

    /// The zone's IANA name.
    pub(crate) fn name(self) -> &'static str {
        self.tz.name()
    }

    /// Reads a naive local time in the zone.
    ///
    /// A time in a daylight-saving gap (spring forward: 02:30 does not exist
    /// in New York on 2024-03-10) is read with the offset in force before
    /// the gap, so 02:30 EST = 07:30 UTC (= 03:30 EDT), as java.time and
    /// Python's `zoneinfo` do. A time in an overlap (fall back: 01:30 happens
    /// twice) is the earlier of the two instants (01:30 EDT).
    #[inline]
    pub(crate) fn localize(self, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        if self.utc {
            return Some(naive.and_utc());
        }
        self.localize_in_zone(naive)
    }

    /// [`Zone::localize`] in a zone other than UTC.
    fn localize_in_zone(self, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self.tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
            LocalResult::None => {
                // The offset a day earlier is the one before the gap (no zone
                // has two transitions within a day).
                let before = naive.checked_sub_signed(TimeDelta::days(1))?;
                let offset = self.tz.offset_from_utc_datetime(&before).fix();
                naive.checked_sub_offset(offset).map(|utc| utc.and_utc())
            }
        }
    }
}

/// Reads digits at a position.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    /// Between `min` and `max` ASCII digits as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let mut value: u32 = 0;
        let mut count = 0;
        while count < max {
            match self.bytes.get(self.at) {
                Some(b) if b.is_ascii_digit() => {
                    value = value * 10 + u32::from(b - b'0');
                    self.at += 1;
                    count += 1;
                }
                _ => break,
            }
        }
        (count >= min).then_some(value)
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_ci(&mut self, word: &[u8]) -> bool {
        let end = self.at + word.len();
        if self
            .bytes
            .get(self.at..end)
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
        {
            self.at = end;
            true
        } else {
            false
        }
    }

    fn spaces(&mut self) -> usize {
        let start = self.at;
        while self.eat(b' ') {}
        self.at - start
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    /// A fraction of a second after the dot: 1 to 9 digits kept, more ignored.
    fn nanos(&mut self) -> Option<u32> {
        let start = self.at;
        let mut nanos: u32 = 0;
        let mut scale = 100_000_000;
        while let Some(b) = self.bytes.get(self.at).filter(|b| b.is_ascii_digit()) {
            nanos += u32::from(b - b'0') * scale;
            scale /= 10;
            self.at += 1;
        }
        (self.at > start).then_some(nanos)
    }

    /// `Z`, `+HH:MM`, `+HHMM` or `+HH` as seconds east of UTC.
    fn offset(&mut self) -> Option<Option<i32>> {
        if self.eat(b'Z') || self.eat(b'z') {
            return Some(Some(0));
        }
        let sign = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return Some(None);
        };
        let hours = self.digits(2, 2)?;
        let colon = self.eat(b':');
        let minutes = match self.digits(2, 2) {
            Some(m) => m,
            None if !colon => 0,
            None => return None,
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
        Some(Some(sign * seconds))
    }
}

/// The date part of the last time read, and the date it is: events come
/// in runs of one day, and a date costs more to read than the time of day.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Dates {
    /// The date's text (at most 10 bytes), as the low bytes of a number, to
    /// compare with one instruction.
    text: u128,
    len: usize,
    date: NaiveDate,
    iso: bool,
}

/// Parses an event time in one of the forms of [`TIME_FORMS`]; naive times
/// are read in `zone`. `None` for anything else.
#[cfg(test)]
pub(crate) fn parse_time(text: &str, zone: Zone) -> Option<DateTime<Utc>> {
    parse_time_with(text, zone, &mut Dates::default())
}

/// [`parse_time`], remembering the last date in `dates`.
#[inline]
pub(crate) fn parse_time_with(text: &str, zone: Zone, dates: &mut Dates) -> Option<DateTime<Utc>> {
    let bytes = trim(text).as_bytes();
    if !dates.holds(bytes) {
        return parse_new_date(bytes, zone, dates);
    }
    let (date, iso) = (dates.date, dates.iso);
    match common_time_of_day(bytes.get(dates.len..).unwrap_or_default(), iso) {
        Some((time, true)) => Some(date.and_time(time).and_utc()),
        Some((time, false)) => zone.localize(date.and_time(time)),
        None => any_time_of_day(
            Cursor {
                bytes,
                at: dates.len,
            },
            date,
            iso,
            zone,
        ),
    }
}

/// [`parse_time_with`] for a time whose date is not the last one: reads
/// the date and remembers it.
#[cold]
#[inline(never)]
fn parse_new_date(bytes: &[u8], zone: Zone, dates: &mut Dates) -> Option<DateTime<Utc>> {
    let mut c = Cursor { bytes, at: 0 };
    let (date, iso) = read_date(&mut c)?;
    if let Some(part) = bytes.get(..c.at).filter(|p| p.len() <= 10) {
        dates.text = head(part);
        dates.len = part.len();
        dates.date = date;
        dates.iso = iso;
    }
    read_time_of_day(c, date, iso, zone)
}

/// `text` without surrounding white space (as `str::trim`), fast when
/// there is none.
#[inline(always)]
pub(crate) fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

impl Dates {
    /// True when `bytes` start with the remembered date, and no digit
    /// follows it.
    #[inline]
    fn holds(&self, bytes: &[u8]) -> bool {
        let len = self.len;
        if len == 0 || bytes.len() < len {
            return false;
        }
        let mask = u128::MAX >> (128 - 8 * len.min(16));
        head(bytes) & mask == self.text && !bytes.get(len).is_some_and(u8::is_ascii_digit)
    }
}

/// The first 16 bytes of `bytes` (zeros past its end) as a little-endian
/// number.
#[inline(always)]
fn head(bytes: &[u8]) -> u128 {
    match bytes.first_chunk::<16>() {
        Some(chunk) => u128::from_le_bytes(*chunk),
        None => {
            let mut chunk = [0; 16];
            let n = bytes.len().min(16);
            chunk[..n].copy_from_slice(&bytes[..n]);
            u128::from_le_bytes(chunk)
        }
    }
}

/// The date at the start of a time: `YYYY-MM-DD` (ISO) or `MM/DD/YYYY`.
fn read_date(c: &mut Cursor<'_>) -> Option<(NaiveDate, bool)> {
    let first = c.digits(1, 4)?;
    let iso = c.at == 4;
    let date = if iso {
        if !c.eat(b'-') {
            return None;
        }
        let month = c.digits(2, 2)?;
        if !c.eat(b'-') {
            return None;
        }
        let day = c.digits(2, 2)?;
        NaiveDate::from_ymd_opt(i32::try_from(first).ok()?, month, day)?
    } else if c.at <= 2 && c.eat(b'/') {
        let day = c.digits(1, 2)?;
        if !c.eat(b'/') {
            return None;
        }
        let year = c.digits(4, 4)?;
        NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, first, day)?
    } else {
        return None;
    };
    Some((date, iso))
}

/// The rest of a time after its date.
#[inline]
fn read_time_of_day(
    c: Cursor<'_>,
    date: NaiveDate,
    iso: bool,
    zone: Zone,
) -> Option<DateTime<Utc>> {
    match common_time_of_day(c.bytes.get(c.at..).unwrap_or_default(), iso) {
        Some((time, true)) => Some(date.and_time(time).and_utc()),
        Some((time, false)) => zone.localize(date.and_time(time)),
        None => any_time_of_day(c, date, iso, zone),
    }
}

/// The time of day in the most common forms, read at fixed places: ` h:mm:ss
/// AM`, ` hh:mm:ss PM` (US) and ` hh:mm:ss`, `Thh:mm:ss`, `Thh:mm:ssZ`
/// (ISO), with `true` when it ends in `Z`. `None` for anything else
/// (other forms, and out-of-range values): [`any_time_of_day`] reads it
/// then, and gives the same time for these forms.
#[inline(always)]
fn common_time_of_day(rest: &[u8], iso: bool) -> Option<(NaiveTime, bool)> {
    if iso {
        let (sep, h, m, s, zulu) = match *rest {
            [sep, h1, h2, b':', m1, m2, b':', s1, s2] => (sep, [h1, h2], [m1, m2], [s1, s2], false),
            [sep, h1, h2, b':', m1, m2, b':', s1, s2, b'Z' | b'z'] => {
                (sep, [h1, h2], [m1, m2], [s1, s2], true)
            }
            _ => return None,
        };
        if !matches!(sep, b' ' | b'T' | b't') {
            return None;
        }
        return Some((clock(two(h)?, m, s)?, zulu));
    }
    let (hour, m, s, a, last) = match *rest {
        [b' ', h, b':', m1, m2, b':', s1, s2, b' ', a, last] => {
            (digit(h)?, [m1, m2], [s1, s2], a, last)
        }
        [b' ', h1, h2, b':', m1, m2, b':', s1, s2, b' ', a, last] => {
            (two([h1, h2])?, [m1, m2], [s1, s2], a, last)
        }
        _ => return None,
    };
    if !(1..=12).contains(&hour) || !last.eq_ignore_ascii_case(&b'M') {
        return None;
    }
    let hour = match a.to_ascii_uppercase() {
        b'A' => hour % 12,
        b'P' => hour % 12 + 12,
        _ => return None,
    };
    Some((clock(hour, m, s)?, false))
}

/// An ASCII digit's value.
#[inline(always)]
fn digit(b: u8) -> Option<u32> {
    b.is_ascii_digit().then(|| u32::from(b - b'0'))
}

/// Two ASCII digits' value.
#[inline(always)]
fn two([a, b]: [u8; 2]) -> Option<u32> {
    Some(digit(a)? * 10 + digit(b)?)
}

/// The time `hour`, then minutes and seconds as two digits each.
#[inline(always)]
fn clock(hour: u32, minute: [u8; 2], second: [u8; 2]) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(hour, two(minute)?, two(second)?)
}

/// The time of day after a date, in any form of [`TIME_FORMS`].
fn any_time_of_day(
    mut c: Cursor<'_>,
    date: NaiveDate,
    iso: bool,
    zone: Zone,
) -> Option<DateTime<Utc>> {
    if c.done() {
        return zone.localize(date.and_time(NaiveTime::MIN));
    }
    if !(iso && (c.eat(b'T') || c.eat(b't'))) && c.spaces() == 0 {
        return None;
    }
    let mut hour = c.digits(if iso { 2 } else { 1 }, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.digits(2, 2)?;
    let (mut second, mut nanos) = (0, 0);
    if c.eat(b':') {
        second = c.digits(2, 2)?;
        if c.eat(b'.') || c.eat(b',') {
            nanos = c.nanos()?;
        }
    }
    let mut offset = None;
    if iso {
        offset = c.offset()?;
    } else {
        c.spaces();
        let pm = if c.eat_ci(b"PM") {
            Some(true)
        } else if c.eat_ci(b"AM") {
            Some(false)
        } else {
            None
        };
        if let Some(pm) = pm {
            if !(1..=12).contains(&hour) {
                return None;
            }
            hour = match (hour, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, false) => h,
                (h, true) => h + 12,
            };
        }
    }
    if !c.done() {
        return None;
    }
    let naive = date.and_time(NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?);
    match offset {
        Some(seconds) => naive
            .checked_sub_offset(FixedOffset::east_opt(seconds)?)
            .map(|utc| utc.and_utc()),
        None => zone.localize(naive),
    }
}

/// Parses an RFC 3339 time with an offset (the JSONL header's window).
pub(crate) fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn remembered_dates_read_the_same() {
        let z = Zone::new(Tz::UTC);
        let mut dates = Dates::default();
        for text in [
            "03/14/2024 02:05 PM",
            "03/14/2024 02:06 PM",
            "03/14/2024",
            "03/14/20245 1:00",
            "03/14/2024x",
            "3/14/2024 2:05 pm",
            "03/15/2024 14:05:09",
            "2024-03-14T14:05:09Z",
            "2024-03-14 14:05",
            "2024-03-14",
            "2024-03-145",
            "2024-03-14T25:00:00Z",
            "nope",
            "03/14/2024 02:05 PM",
        ] {
            assert_eq!(
                parse_time_with(text, z, &mut dates),
                parse_time(text, z),
                "{text}"
            );
        }
    }

    /// Reads a time of day after a fixed date, with the fast forms and
    /// with the general reader alone.
    fn both_ways(rest: &str, iso: bool, zone: Zone) -> [Option<DateTime<Utc>>; 2] {
        let date = NaiveDate::from_ymd_opt(2024, 3, 10).unwrap();
        let c = || Cursor {
            bytes: rest.as_bytes(),
            at: 0,
        };
        [
            read_time_of_day(c(), date, iso, zone),
            any_time_of_day(c(), date, iso, zone),
        ]
    }

    #[test]
    fn common_forms_read_as_any_form() {
        let zones = [Zone::new(Tz::UTC), Zone::new(Tz::America__New_York)];
        for rest in [
            " 2:05:09 PM",
            " 02:05:09 pm",
            " 12:00:00 AM",
            " 12:59:59 PM",
            " 02:30:00 AM",
            " 13:05:09 PM",
            " 0:05:09 AM",
            " 02:60:00 AM",
            " 02:05:60 AM",
            " 02:05:09 XM",
            " 02:05:09 Pm",
            " 14:05:09",
            "T14:05:09",
            "t14:05:09Z",
            "T14:05:09z",
            "T24:00:00",
            "T14:05:09+01:00",
            " 2:05 PM",
        ] {
            for zone in zones {
                for iso in [false, true] {
                    let [fast, general] = both_ways(rest, iso, zone);
                    assert_eq!(fast, general, "{rest:?} {iso}");
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn remembered_dates_read_the_same_for_any_times(
            texts in proptest::collection::vec(
                "(0?3/1[45]/20245?|2024-03-1[45]|2024-03-145)[ Tx0-9:APM]{0,12}",
                1..12,
            ),
        ) {
            let zone = Zone::new(Tz::UTC);
            let mut dates = Dates::default();
            for text in &texts {
                proptest::prop_assert_eq!(parse_time_with(text, zone, &mut dates), parse_time(text, zone));
            }
        }

        #[test]
        fn common_forms_read_as_any_form_for_any_text(
            rest in "[ :0-9AaPpMmTtZz]{8,13}",
            iso in proptest::prelude::any::<bool>(),
            new_york in proptest::prelude::any::<bool>(),
        ) {
            let zone = Zone::new(if new_york { Tz::America__New_York } else { Tz::UTC });
            let [fast, general] = both_ways(&rest, iso, zone);
            proptest::prop_assert_eq!(fast, general);
        }

        #[test]
        fn common_forms_read_as_any_form_for_any_clock(
            sep in proptest::sample::select(vec![" ", "  ", "T", "t", ""]),
            hour in 0u32..26,
            padded in proptest::prelude::any::<bool>(),
            minute in 0u32..62,
            second in 0u32..62,
            suffix in proptest::sample::select(vec!["", "Z", "z", " AM", " pm", " Am", " XM", "PM", " PM ", ".5"]),
            iso in proptest::prelude::any::<bool>(),
            new_york in proptest::prelude::any::<bool>(),
        ) {
            let hour = if padded { format!("{hour:02}") } else { hour.to_string() };
            let rest = format!("{sep}{hour}:{minute:02}:{second:02}{suffix}");
            let zone = Zone::new(if new_york { Tz::America__New_York } else { Tz::UTC });
            let [fast, general] = both_ways(&rest, iso, zone);
            proptest::prop_assert_eq!(fast, general, "{}", rest);
        }
    }

    #[test]
    fn every_form_in_utc() {
        let z = Zone::new(Tz::UTC);
        let t = |s: &str| parse_time(s, z).unwrap_or_else(|| panic!("{s}"));
        let at = utc(2024, 3, 14, 14, 5, 0);
        let at9 = utc(2024, 3, 14, 14, 5, 9);
        assert_eq!(t("03/14/2024 02:05 PM"), at);
        assert_eq!(t("3/14/2024 2:05 pm"), at);
        assert_eq!(t("03/14/2024 2:05PM"), at);
        assert_eq!(t("03/14/2024 02:05:09 PM"), at9);
        assert_eq!(t("03/14/2024 14:05"), at);
        assert_eq!(t("03/14/2024 14:05:09"), at9);
        assert_eq!(t("2024-03-14 14:05"), at);
        assert_eq!(t("2024-03-14 14:05:09"), at9);
        assert_eq!(t("2024-03-14T14:05:09"), at9);
        assert_eq!(t(" 2024-03-14T14:05:09Z "), at9);
        assert_eq!(t("2024-03-14T15:05:09+01:00"), at9);
        assert_eq!(t("2024-03-14T15:05:09+0100"), at9);
        assert_eq!(t("2024-03-14T09:05:09-05"), at9);
        assert_eq!(
            t("2024-03-14T14:05:09.250Z"),
            at9 + TimeDelta::milliseconds(250)
        );
        assert_eq!(t("2024-03-14"), utc(2024, 3, 14, 0, 0, 0));
        assert_eq!(t("03/14/2024"), utc(2024, 3, 14, 0, 0, 0));
        assert_eq!(t("03/14/2024 12:05 AM"), utc(2024, 3, 14, 0, 5, 0));
        assert_eq!(t("03/14/2024 12:05 PM"), utc(2024, 3, 14, 12, 5, 0));
    }

    #[test]
    fn rejects_other_shapes() {
        let z = Zone::new(Tz::UTC);
        for s in [
            "",
            "yesterday",
            "14/03/2024 10:00",
            "2024-3-14",
            "2024-03-14 25:00",
            "2024-03-14 10:60",
            "03/14/2024 13:05 PM",
            "03/14/2024 0:05 AM",
            "2024-02-30",
            "2024-03-14T14:05:09+25:00",
            "2024-03-14T14:05:09 junk",
            "2024-03-14 14:05 PM",
            "99999-01-01",
            "03/14/24 10:00",
        ] {
            assert_eq!(parse_time(s, z), None, "{s}");
        }
    }

    #[test]
    fn naive_times_in_a_zone_with_daylight_saving() {
        let ny = Zone::new(Tz::America__New_York);
        let t = |s: &str| parse_time(s, ny).unwrap_or_else(|| panic!("{s}"));
        // EST (-5) before the switch, EDT (-4) after.
        assert_eq!(t("03/10/2024 01:59 AM"), utc(2024, 3, 10, 6, 59, 0));
        assert_eq!(t("03/10/2024 03:00 AM"), utc(2024, 3, 10, 7, 0, 0));
        // The gap: 02:30 does not exist; read with the offset before it.
        assert_eq!(t("03/10/2024 02:30 AM"), utc(2024, 3, 10, 7, 30, 0));
        // The overlap: 01:30 happens twice; the earlier (EDT) wins.
        assert_eq!(t("11/03/2024 01:30 AM"), utc(2024, 11, 3, 5, 30, 0));
        assert_eq!(t("11/03/2024 02:30 AM"), utc(2024, 11, 3, 7, 30, 0));
        // An offset overrides the zone.
        assert_eq!(t("2024-03-10T02:30:00Z"), utc(2024, 3, 10, 2, 30, 0));
        let berlin = Zone::new(Tz::Europe__Berlin);
        assert_eq!(
            parse_time("2024-07-01 12:00", berlin),
            Some(utc(2024, 7, 1, 10, 0, 0))
        );
        assert_eq!(
            parse_time("2024-01-15 12:00", berlin),
            Some(utc(2024, 1, 15, 11, 0, 0))
        );
    }
}
