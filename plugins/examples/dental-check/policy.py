"""`dental-check`: an example of a regulator's own policy, in Python (its Rust counterpart is
`examples/placement-stability`). A looked-after child has a dental check at least every
`max_months` months (default 12).

Why, and on what basis. The built-in pack does not look at dental checks, although the care
record holds them (`health.dental_checks`). The Department for Education counts, for children
looked after continuously for twelve months, whether their teeth were checked by a dentist in
the year (SSDA903 OC2 return; "Children looked after in England" statistics), and the
statutory guidance "Promoting the health and wellbeing of looked-after children" (DfE and
DHSC, 2015) expects the health plan to cover dental care. Neither fixes an interval in law, so
the check is **local**: the interval is a setting, its messages say "local timescale: 12
months", and a check not held in time is a `warning`, never a `breach`.

The rule as read here:
- Only a child in a period of care on the evaluation date is checked (`not_applicable`
  otherwise).
- The next check is expected `max_months` calendar months after the last one held (month ends
  clipped: a check on 29 Feb 2024 is next expected by 28 Feb 2025), or, with none recorded,
  `max_months` months after the current period of care began.
- One current result, for the next check: `upcoming` (expected beyond the look-ahead window;
  a future expectation is never `met`), `due_soon` (inside it, the expected day itself
  included) or `warning` (past it). Each check already held in this period is a history result:
  `met` when it came within `max_months` of the one before (or of the period's start),
  `warning` when later.
- A record whose sources did not supply the dental checks (an SSDA903 import does not):
  `insufficient_data` naming `health.dental_checks`. A check dated after the evaluation date
  is a data error: `insufficient_data`, not evidence.
"""

from carecheck import NOT_APPLICABLE, Check, dates, describe_local
from carecheck.settings import Integer

CITATION = (
    "Promoting the health and wellbeing of looked-after children (DfE/DHSC 2015); "
    "DfE SSDA903 OC2 dental check measure"
)

DENTAL = Check.local("dental-check", "A dental check at least every 12 months", CITATION)

ABOUT = {
    "id": "dental-check",
    "version": "1.0.0",
    "title": "Dental checks",
    "description": "A looked-after child has a dental check within a local timescale (12 months unless set otherwise).",
    "author": "carecheck examples",
    "citations": [CITATION],
    "checks": [DENTAL],
    "reads": [
        "/periods_of_care/*/episodes/*/start",
        "/periods_of_care/*/episodes/*/end",
        "/health/dental_checks",
        "/provenance",
    ],
    "effective_from": "2026-01-01",
}

SETTINGS = {
    "max_months": Integer(
        12, "Calendar months from one dental check to the next (1 to 12).", minimum=1, maximum=12
    ),
}


def evaluate(ctx, record):
    today = ctx.evaluation_date
    months = ctx.settings["max_months"]
    span = dates.plural(months, "month")
    if not record.supplied("health.dental_checks"):
        return [DENTAL.not_supplied("child", record, "health.dental_checks")]
    period = record.period_containing(today)
    if period is None:
        return [
            DENTAL.result(
                NOT_APPLICABLE, "child", "The child is not in a period of care on the evaluation date."
            ).with_current()
        ]
    start = period[0]
    held = record.dental_checks()
    future = [d for d in held if d > today]
    if future:
        return [
            DENTAL.insufficient(
                f"dental check {future[0].isoformat()}",
                "health.dental_checks",
                f"A dental check is recorded on {dates.format_long(future[0])}, after the "
                f"evaluation date {dates.format_long(today)}; correct the date.",
            ).with_current()
        ]
    results = []
    previous = start
    for d in (d for d in held if d >= start):
        due = dates.add_months(previous, months)
        timing = ctx.timing(due, d)
        what = f"The dental check after {dates.format_long(previous)}"
        results.append(
            DENTAL.timed(f"dental check {d.isoformat()}", due, timing, describe_local(what, "held", due, timing, span))
        )
        previous = d
    due = dates.add_months(previous, months)
    timing = ctx.timing(due)
    what = "The next dental check" if previous != start else "A first dental check in this period of care"
    current = DENTAL.timed("next dental check", due, timing, describe_local(what, "held", due, timing, span))
    if previous != start:
        current.with_evidence("last_dental_check", previous)
    results.append(current.with_current())
    return results


