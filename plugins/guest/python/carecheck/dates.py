"""Statutory date arithmetic, the same readings as the Rust SDK (`plugins/sdk/src/dates.rs`).

Every policy counts time the same way, whatever language it is written in: if a Python policy
counted "within 20 working days" or "6 months after 31 August" differently from a Rust one, an
IRO would see two verdicts for one deadline. `plugins/guest/vectors/dates.json` holds cases
generated from the Rust SDK, and `tests/test_vectors.py` checks this module agrees on every one.

- "within N working days of D" (`Calendar.add_working_days`): D itself does not count; day 1 is
  the first working day after D. Saturdays, Sundays and the calendar's listed days are not
  working days. Counting outside the calendar's range raises `OutsideCalendar`.
- "N months after D" (`add_months`): the same day of the month N months later, clipped to that
  month's last day (31 Jan + 1 month = 28 Feb, or 29 Feb in a leap year).
- Age (`age_on`, `birthday`): whole years; a child born on 29 February is a year older on
  1 March in common years.

Pure: no clock, no I/O. Dates are `datetime.date`; the contract numbers the calendar's days as
days since 1970-01-01 (`unix_day`, `from_unix_day`).
"""

import bisect
import datetime

EPOCH = datetime.date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class DateError(ValueError):
    """A date that cannot be read or counted."""


class OutsideCalendar(DateError):
    """Counting reached a date the working-day calendar does not cover."""

    def __init__(self, date, start, end):
        self.date, self.start, self.end = date, start, end
        super().__init__(
            f"{date.isoformat()} is outside the working-day calendar "
            f"({start.isoformat()} to {end.isoformat()})"
        )


def parse(text):
    """A date in the strict YYYY-MM-DD form (exactly ten characters); anything else raises
    DateError. 2026-02-30 and 2023-02-29 do not exist and are refused."""
    if (
        not isinstance(text, str)
        or len(text) != 10
        or text[4] != "-"
        or text[7] != "-"
        or not (text[:4] + text[5:7] + text[8:]).isdigit()
        or not text.isascii()
    ):
        raise DateError(f"{text!r} is not a valid date in the form YYYY-MM-DD")
    try:
        return datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))
    except ValueError:
        raise DateError(f"{text!r} is not a valid date in the form YYYY-MM-DD") from None


def parse_optional(text):
    """`parse`, or None for a missing value."""
    return None if text is None else parse(text)


def unix_day(d):
    """Days since 1970-01-01 (negative before it)."""
    return d.toordinal() - _EPOCH_ORDINAL


def from_unix_day(n):
    """The date `n` days after 1970-01-01."""
    try:
        return datetime.date.fromordinal(n + _EPOCH_ORDINAL)
    except (ValueError, OverflowError):
        raise DateError(f"day number {n} (days since 1970-01-01) is not a date") from None


def _is_weekend(ordinal):
    # Ordinal 1 (0001-01-01) is a Monday, as in the Rust SDK's day numbers.
    return (ordinal - 1) % 7 >= 5


def _weekdays_upto(ordinal):
    return (ordinal // 7) * 5 + min(ordinal % 7, 5)


class Calendar:
    """Working days: not Saturday or Sunday and not one of the listed non-working days, within
    the range `start`..`end` (both included) the list covers."""

    def __init__(self, non_working, start, end):
        self.start, self.end = start, end
        self._from, self._to = start.toordinal(), end.toordinal()
        days = sorted({d.toordinal() for d in non_working})
        self._holidays = [n for n in days if not _is_weekend(n)]

    @classmethod
    def from_unix_days(cls, days, start, end):
        """From the contract's form: day numbers since 1970-01-01 and ISO range ends."""
        return cls([from_unix_day(n) for n in days], parse(start), parse(end))

    def is_working_day(self, d):
        n = d.toordinal()
        if _is_weekend(n):
            return False
        i = bisect.bisect_left(self._holidays, n)
        return not (i < len(self._holidays) and self._holidays[i] == n)

    def _outside(self, d):
        return OutsideCalendar(d, self.start, self.end)

    def add_working_days(self, d, n):
        """The Nth working day after `d` (`d` itself does not count); `d` when n is 0."""
        if n < 0:
            raise ValueError("a number of working days cannot be negative")
        if n == 0:
            return d
        start = d.toordinal()
        if start < self._from - 1:
            raise self._outside(d)
        nxt = bisect.bisect_right(self._holidays, start)
        day, left = start, n
        while True:
            day += 1
            if day > self._to:
                raise self._outside(datetime.date.fromordinal(day))
            if _is_weekend(day):
                continue
            if nxt < len(self._holidays) and self._holidays[nxt] == day:
                nxt += 1
                continue
            left -= 1
            if left == 0:
                return datetime.date.fromordinal(day)

    def working_days_between(self, from_exclusive, to_inclusive):
        """Working days after `from_exclusive` up to and including `to_inclusive` (0 if the
        second is not after the first): the inverse of `add_working_days`."""
        a, b = from_exclusive.toordinal(), to_inclusive.toordinal()
        if b <= a:
            return 0
        if a < self._from - 1:
            raise self._outside(from_exclusive)
        if b > self._to:
            raise self._outside(to_inclusive)
        listed = bisect.bisect_right(self._holidays, b) - bisect.bisect_right(self._holidays, a)
        return _weekdays_upto(b) - _weekdays_upto(a) - listed


def _days_in_month(year, month):
    if month == 12:
        return 31
    return (datetime.date(year, month + 1, 1) - datetime.date(year, month, 1)).days


def add_months(d, months):
    """The same day of the month `months` calendar months later, clipped to the month's last day
    (31 Aug 2023 + 6 months = 29 Feb 2024). Add to the real date each time, never to a computed
    deadline, so clipping does not accumulate."""
    if months < 0:
        raise ValueError("a number of months cannot be negative")
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    return datetime.date(year, month, min(d.day, _days_in_month(year, month)))


def age_on(dob, on):
    """Whole years on `on` (0 before the birth). Born 29 Feb: a year older on 1 Mar in common
    years; comparing (month, day) pairs gives exactly that."""
    if on < dob:
        return 0
    years = on.year - dob.year
    if (on.month, on.day) < (dob.month, dob.day):
        years -= 1
    return max(years, 0)


def birthday(dob, years):
    """The day the child turns `years`, by the same rule as `age_on`."""
    year = dob.year + years
    try:
        return datetime.date(year, dob.month, dob.day)
    except ValueError:
        return datetime.date(year, 3, 1)  # only 29 Feb can be missing


def days_between(a, b):
    """Calendar days from `a` to `b`, negative when `b` is earlier."""
    return (b - a).days


def add_days(d, n):
    return d + datetime.timedelta(days=n)


def format_long(d):
    """"29 Aug 2026": how dates read in IRO-facing messages."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def plural(n, unit):
    """"1 day", "3 days"."""
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def compulsory_school_age(dob):
    """(first day, last day) of compulsory school age (Education Act 1996 s8): from the first of
    31 Mar, 31 Aug, 31 Dec on or after the 5th birthday, to the last Friday in June of the school
    year (1 Sep to 31 Aug) in which the child turns 16."""
    fifth = birthday(dob, 5)
    start = next(
        p
        for p in (
            datetime.date(fifth.year, 3, 31),
            datetime.date(fifth.year, 8, 31),
            datetime.date(fifth.year, 12, 31),
        )
        if p >= fifth
    )
    sixteenth = birthday(dob, 16)
    summer = sixteenth.year + 1 if sixteenth.month >= 9 else sixteenth.year
    return start, last_friday_in_june(summer)


def last_friday_in_june(year):
    june_30 = datetime.date(year, 6, 30)
    return june_30 - datetime.timedelta(days=(june_30.weekday() - 4) % 7)
