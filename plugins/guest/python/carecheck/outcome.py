"""Checks and their results, in exactly the JSON shape the contract documents
(`plugins/wit/policy.wit`) and with the Rust SDK's wording (`plugins/sdk/src/outcome.rs`), so a
Python policy's results read like every other policy's.

- Status names are the contract's: `met` only when something was done on time; `upcoming` when
  nothing is due inside the look-ahead window (never `met`); `due_soon`; `breach`; `warning`;
  `not_applicable`; `insufficient_data`, whose evidence names the `missing_field`.
- A `local` check (a timescale the law does not fix) never gives `breach`: `Check.status` turns
  it into `warning`, and `describe_local` says "local timescale: …".
"""

from . import dates

MET = "met"
UPCOMING = "upcoming"
DUE_SOON = "due_soon"
BREACH = "breach"
WARNING = "warning"
NOT_APPLICABLE = "not_applicable"
INSUFFICIENT_DATA = "insufficient_data"
STATUSES = (MET, UPCOMING, DUE_SOON, BREACH, WARNING, NOT_APPLICABLE, INSUFFICIENT_DATA)

STATUTORY = "statutory"
GUIDANCE = "guidance"
LOCAL = "local"
BASES = (STATUTORY, GUIDANCE, LOCAL)


class Timing:
    """Where an event stands against its deadline on the evaluation date. `kind` is one of
    `on_time`, `late`, `overdue`, `due_soon`, `not_yet_due`; `done` is the event's date if it
    happened; `days` is days late, overdue or left."""

    def __init__(self, kind, done=None, days=0):
        self.kind, self.done, self.days = kind, done, days

    @property
    def status(self):
        return {
            "on_time": MET,
            "not_yet_due": UPCOMING,
            "late": BREACH,
            "overdue": BREACH,
            "due_soon": DUE_SOON,
        }[self.kind]

    def __eq__(self, other):
        return isinstance(other, Timing) and (self.kind, self.done, self.days) == (
            other.kind,
            other.done,
            other.days,
        )

    def __repr__(self):
        return f"Timing({self.kind!r}, done={self.done!r}, days={self.days!r})"


class Result(dict):
    """One result: a dict in the contract's shape, with builder methods."""

    def with_evidence(self, key, value):
        value = value.isoformat() if hasattr(value, "isoformat") else str(value)
        self.setdefault("evidence", []).append([str(key), value])
        return self

    def with_due(self, due):
        self["due"] = due.isoformat()
        return self

    def with_done(self, done):
        self["done"] = done.isoformat()
        return self

    def with_current(self, current=True):
        if current:
            self["current"] = True
        else:
            self.pop("current", None)
        return self

    @property
    def status(self):
        return self["status"]


class Check:
    """One check a policy makes: id, title, citation and basis."""

    def __init__(self, id, title, citation, basis):
        if basis not in BASES:
            raise ValueError(f"basis must be one of {', '.join(BASES)}, not {basis!r}")
        self.id, self.title, self.citation, self.basis = id, title, citation, basis

    @classmethod
    def statutory(cls, id, title, citation):
        return cls(id, title, citation, STATUTORY)

    @classmethod
    def guidance(cls, id, title, citation):
        return cls(id, title, citation, GUIDANCE)

    @classmethod
    def local(cls, id, title, citation):
        return cls(id, title, citation, LOCAL)

    def describe(self):
        return {"id": self.id, "title": self.title, "citation": self.citation, "basis": self.basis}

    def result(self, status, subject, message):
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        return Result(
            check=self.id, status=status, subject=subject, message=message, citation=self.citation
        )

    def status(self, timing):
        """The timing's status, except that a `local` timescale passed is a `warning`."""
        if self.basis == LOCAL and timing.status == BREACH:
            return WARNING
        return timing.status

    def timed(self, subject, due, timing, message):
        """A result for an event against its deadline: status, due date and done date."""
        r = self.result(self.status(timing), subject, message).with_due(due)
        if timing.done is not None:
            r.with_done(timing.done)
        return r

    def insufficient(self, subject, field, why):
        """`insufficient_data`, naming the missing field."""
        return self.result(INSUFFICIENT_DATA, subject, why).with_evidence("missing_field", field)

    def not_supplied(self, subject, record, section):
        """`insufficient_data` for a section the record's sources did not supply: not recorded
        is not did-not-happen, so never a breach."""
        sources = record.sources_text()
        label = SECTION_LABELS.get(section, section)
        return (
            self.insufficient(
                subject,
                section,
                f"The record's sources ({sources}) do not supply {label}, so this cannot be "
                f"checked; add {label} from the case record (not recorded does not mean not done).",
            )
            .with_evidence("supplied_by", sources)
            .with_current(True)
        )


class Context:
    """What the host passes with every evaluation, read: the evaluation date, the look-ahead
    window, the working-day calendar and the policy's validated settings (a dict)."""

    def __init__(self, evaluation_date, look_ahead_days, calendar, settings):
        self.evaluation_date = evaluation_date
        self.look_ahead_days = look_ahead_days
        self.calendar = calendar
        self.settings = settings

    def timing(self, due, done=None):
        """An event on its deadline is on time; a missing one is overdue only once the deadline
        has passed, and due soon from the look-ahead window to the deadline itself."""
        if done is not None:
            if done <= due:
                return Timing("on_time", done)
            return Timing("late", done, dates.days_between(due, done))
        left = dates.days_between(self.evaluation_date, due)
        if left < 0:
            return Timing("overdue", None, -left)
        if left <= self.look_ahead_days:
            return Timing("due_soon", None, left)
        return Timing("not_yet_due", None, left)

    def add_working_days(self, d, n):
        return self.calendar.add_working_days(d, n)

    def is_future(self, d):
        return d > self.evaluation_date


def describe(what, done_verb, due, timing):
    """"Second review was due by 29 Aug 2026 and was held on 31 Aug 2026, 2 days late." """
    due_text = dates.format_long(due)
    k = timing.kind
    if k == "on_time":
        return f"{what} was due by {due_text} and was {done_verb} on {dates.format_long(timing.done)}."
    if k == "late":
        return (
            f"{what} was due by {due_text} and was {done_verb} on "
            f"{dates.format_long(timing.done)}, {dates.plural(timing.days, 'day')} late."
        )
    if k == "overdue":
        return f"{what} was due by {due_text} and is {dates.plural(timing.days, 'day')} overdue."
    if k == "due_soon" and timing.days == 0:
        return f"{what} is due today ({due_text})."
    return f"{what} is due by {due_text}, in {dates.plural(timing.days, 'day')}."


def describe_local(what, done_verb, due, timing, timescale):
    """As `describe`, for a timescale the law does not fix: names it, never says "overdue"."""
    due_text = dates.format_long(due)
    k = timing.kind
    if k == "on_time":
        body = f"was {done_verb} on {dates.format_long(timing.done)}, by {due_text}"
    elif k == "late":
        body = (
            f"was {done_verb} on {dates.format_long(timing.done)}, "
            f"{dates.plural(timing.days, 'day')} after {due_text}"
        )
    elif k == "overdue":
        body = f"has not been {done_verb}: {dates.plural(timing.days, 'day')} past {due_text}"
    elif k == "due_soon" and timing.days == 0:
        body = f"is expected today, {due_text}"
    else:
        body = f"is expected by {due_text}, in {dates.plural(timing.days, 'day')}"
    return f"{what} {body} (local timescale: {timescale})."


SECTION_LABELS = {
    "child": "the child's details",
    "periods_of_care": "the periods of care",
    "placements": "the placements",
    "placements.dates": "the placements",
    "placements.out_of_area": "the placements' out-of-area details",
    "placements.health": "the placements' health commissioner and mental-health service",
    "iro_assignments": "the IRO assignments",
    "virtual_mental_health_lead": "the virtual mental health lead",
    "reviews": "the reviews",
    "reviews.dates": "the review dates",
    "reviews.participation": "the child's participation in reviews",
    "reviews.chair": "who chaired each review",
    "reviews.mental_health": "the mental-health item at reviews",
    "reviews.items_discussed": "the items discussed at reviews",
    "reviews.preparation": "the reviews' preparation (consultation, papers, circulation)",
    "health": "the health record",
    "health.assessments": "the health assessments",
    "health.dental_checks": "the dental checks",
    "health.sdq": "the SDQs",
    "health.mental_health_assessments": "the mental-health assessments",
    "health.mental_health_referrals": "the mental-health referrals",
    "caregivers": "the caregivers",
    "education": "the education details",
    "education.school": "the school",
    "education.designated_teacher": "the designated teacher",
    "education.pep_reviews": "the PEP reviews",
    "leaving_care": "the leaving-care details",
}
