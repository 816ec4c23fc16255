"""Dates as letters write them: "September 20, 2014", "21 May 2013", "April of 2014", "May 2012",
"9/20/2014", "2014-09-20"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_PATTERN = re.compile(
    rf"\b(?:(?P<month>{_MONTH})\.?\s+(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?(?:of\s+)?"
    r"(?P<year>(?:19|20)\d\d)"
    rf"|(?P<dday>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dmonth>{_MONTH})\.?,?\s+"
    r"(?P<dyear>(?:19|20)\d\d)"
    r"|(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:19|20)?\d\d)"
    r"|(?P<iy>(?:19|20)\d\d)-(?P<im>\d\d)-(?P<id>\d\d))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundDate:
    value: str  # "2014-09-20" (xsd:date) or "2012-05" (xsd:gYearMonth)
    start: int
    end: int

    @property
    def month_only(self) -> bool:
        return len(self.value) == 7


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[FoundDate]:
    found = []
    for match in DATE_PATTERN.finditer(text, start, len(text) if end is None else end):
        value = _value(match)
        if value:
            found.append(FoundDate(value, match.start(), match.end()))
    return found


def _value(match: re.Match[str]) -> str | None:
    value = _parts(match)
    if value is not None and len(value) == 10:
        try:  # "February 31, 2013" is no date
            date.fromisoformat(value)
        except ValueError:
            return None
    return value


def _parts(match: re.Match[str]) -> str | None:
    if match.group("month"):
        month = MONTHS[match.group("month").lower()]
        year = int(match.group("year"))
        day = match.group("day")
        return f"{year:04d}-{month:02d}-{int(day):02d}" if day else f"{year:04d}-{month:02d}"
    if match.group("dmonth"):
        year, month = int(match.group("dyear")), MONTHS[match.group("dmonth").lower()]
        day = int(match.group("dday"))
        return f"{year:04d}-{month:02d}-{day:02d}" if 1 <= day <= 31 else None
    if match.group("m"):
        year = int(match.group("y"))
        year += 2000 if year < 100 else 0
        month, day = int(match.group("m")), int(match.group("d"))
    else:
        year, month, day = int(match.group("iy")), int(match.group("im")), int(match.group("id"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def impossible_dates(text: str) -> list[tuple[str, int]]:
    """Dates a letter writes that no calendar has ("February 31, 2013"), with their offsets:
    find_dates leaves them out, the reader warns about them."""
    found = []
    for match in DATE_PATTERN.finditer(text):
        value = _parts(match)
        if value is not None and len(value) == 10 and _value(match) is None:
            found.append((match.group(0), match.start()))
    return found
