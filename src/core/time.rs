//! UTC timestamps: RFC 3339 text to milliseconds since the Unix epoch and back.
//!
//! The API wants temporary-token expiry times as ISO 8601 in UTC (`2026-11-27T19:30:00.000Z`);
//! `Date.prototype.toISOString` writes the same form.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

const MS_PER_DAY: i64 = 86_400_000;

/// Formats milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.sssZ` (years 0000 to 9999).
pub fn format_utc(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    let in_day = ms.rem_euclid(MS_PER_DAY);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// Parses an RFC 3339 date-time (`2026-11-27T19:30:00Z`, `…T19:30:00.5+01:00`; a space or a
/// lower-case `t`/`z` is accepted too) into milliseconds since the epoch. A date without a time or
/// without an offset is refused: it would be read in some unknown time zone.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter().all(u8::is_ascii_digit).then(|| {
            part.iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
        })
    };
    let expect = |at: usize, allowed: &[u8]| b.get(at).is_some_and(|c| allowed.contains(c));
    if !(expect(4, b"-")
        && expect(7, b"-")
        && expect(10, b"Tt ")
        && expect(13, b":")
        && expect(16, b":"))
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month)
        || day < 1
        || day > month_days[(month - 1) as usize]
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut pos = 19;
    let mut millis = 0;
    if b.get(pos) == Some(&b'.') {
        pos += 1;
        let start = pos;
        while b.get(pos).is_some_and(u8::is_ascii_digit) {
            if pos - start < 3 {
                millis = millis * 10 + i64::from(b[pos] - b'0');
            }
            pos += 1;
        }
        if pos == start {
            return None;
        }
        for _ in (pos - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(pos)? {
        b'Z' | b'z' if pos + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if pos + 6 == b.len() && b[pos + 3] == b':' => {
            let (h, m) = (num(pos + 1, 2)?, num(pos + 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'-' {
                -minutes
            } else {
                minutes
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(days * MS_PER_DAY + ((hour * 60 + minute - offset_minutes) * 60 + second) * 1000 + millis)
}

/// The API's clock as the client knows it, from the `Date` header of the latest response.
///
/// `Date` has whole seconds, and the API wrote it before the response travelled back, so the
/// API's time at receipt is at least the header's: the estimate here is a lower bound of the API's
/// time, never ahead of it. A temporary token's expiry counted from it can therefore never be
/// "more than one hour in the future" for the API, and lives its full length within a second or
/// two.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ApiClock {
    offset_ms: Option<f64>,
}

impl ApiClock {
    /// A response whose `Date` header says `date_ms` arrived at `local_ms` (both milliseconds
    /// since the epoch, the latter on the client's clock).
    pub fn observe(&mut self, date_ms: f64, local_ms: f64) {
        if date_ms.is_finite() && local_ms.is_finite() {
            self.offset_ms = Some(date_ms - local_ms);
        }
    }

    /// Whether a response has told the API's time yet.
    pub fn known(&self) -> bool {
        self.offset_ms.is_some()
    }

    /// The API's time when the client's clock says `local_ms` (the client's own time until a
    /// response has told the API's).
    pub fn now(&self, local_ms: f64) -> f64 {
        local_ms + self.offset_ms.unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_utc(1_473_967_673_000), "2016-09-15T19:27:53.000Z");
        assert_eq!(format_utc(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(format_utc(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_utc(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn parses_rfc3339_forms() {
        assert_eq!(
            parse_rfc3339("2016-09-15T19:27:53.000Z"),
            Some(1_473_967_673_000)
        );
        assert_eq!(
            parse_rfc3339("2016-09-15T19:27:53Z"),
            Some(1_473_967_673_000)
        );
        assert_eq!(
            parse_rfc3339("2016-09-15t19:27:53.5z"),
            Some(1_473_967_673_500)
        );
        assert_eq!(
            parse_rfc3339("2016-09-15 21:27:53.123456+02:00"),
            Some(1_473_967_673_123)
        );
        assert_eq!(
            parse_rfc3339("2016-09-15T14:27:53-05:00"),
            Some(1_473_967_673_000)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400_000));
    }

    #[test]
    fn refuses_ambiguous_or_invalid_times() {
        for bad in [
            "",
            "2016-09-15",
            "2016-09-15T19:27:53",
            "2016-09-15T19:27Z",
            "2016-13-01T00:00:00Z",
            "2019-02-29T00:00:00Z",
            "2016-09-15T24:00:00Z",
            "2016-09-15T19:27:53.Z",
            "2016-09-15T19:27:53+0200",
            "2016-09-15T19:27:53Zjunk",
            "20x6-09-15T19:27:53Z",
            "2016-09-15T19:27:53+24:00",
            "tomorrow",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_api_clock_is_a_lower_bound_of_the_apis_time() {
        let mut clock = ApiClock::default();
        assert!(!clock.known());
        assert_eq!(clock.now(5_000.0), 5_000.0);
        // The API is 20.7 s behind; its Date header (whole seconds) was written 30 ms before receipt.
        let local: f64 = 1_790_000_000_000.0;
        let api = local - 20_700.0;
        let header = ((api - 30.0) / 1000.0).floor() * 1000.0;
        clock.observe(header, local);
        assert!(clock.known());
        let later = local + 12_345.0;
        let estimate = clock.now(later);
        let truth = api + 12_345.0;
        assert!(
            estimate <= truth && truth - estimate < 1_100.0,
            "{}",
            truth - estimate
        );
        clock.observe(f64::NAN, local);
        assert_eq!(clock.now(later), estimate, "nonsense is ignored");
    }

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        let mut ms = days_from_civil(1900, 1, 1) * MS_PER_DAY;
        let end = days_from_civil(2300, 1, 1) * MS_PER_DAY;
        while ms < end {
            assert_eq!(parse_rfc3339(&format_utc(ms)), Some(ms));
            ms += MS_PER_DAY + 3_723_456;
        }
    }
}
