"""A care record as the host sends it (trimmed to the policy's `reads`): the parsed JSON dict,
with helpers for what most policies need. Field names are the schema's
(`host/schema/care-record.v1.json`, `plugins/sdk/src/record.rs`); a field the policy did not
declare in `reads` is simply absent, so read with `.get`.
"""

from . import dates
from .outcome import SECTION_LABELS


def _whole(section):
    for prefix in ("placements", "reviews", "health", "education"):
        if section.startswith(prefix + "."):
            return prefix
    return None


def _parts(section):
    return [s for s in SECTION_LABELS if _whole(s) == section]


class Record(dict):
    """The record's JSON object, with helpers. Dates stay ISO text in the dict; the helpers give
    `datetime.date`s."""

    @property
    def child(self):
        return self.get("child") or {}

    def date_of_birth(self):
        return dates.parse_optional(self.child.get("date_of_birth"))

    def periods(self):
        """Each period of care as (start, end): start None when it has no episodes, end None
        while the child is still looked after."""
        out = []
        for p in self.get("periods_of_care") or []:
            episodes = p.get("episodes") or []
            if not episodes:
                out.append((None, None))
                continue
            out.append(
                (dates.parse(episodes[0]["start"]), dates.parse_optional(episodes[-1].get("end")))
            )
        return out

    def period_containing(self, d):
        """(start, end) of the period of care containing `d` (both ends included), or None."""
        for start, end in self.periods():
            if start is not None and start <= d and (end is None or d <= end):
                return start, end
        return None

    def health(self):
        return self.get("health") or {}

    def dental_checks(self):
        return sorted(dates.parse(d) for d in self.health().get("dental_checks") or [])

    def supplied(self, section):
        """Whether the record's sources supplied `section` (for example
        "health.dental_checks"): no provenance means everything was supplied; a part is
        supplied when it or its whole is listed; a whole when it or every part is."""
        provenance = self.get("provenance")
        if provenance is None:
            return True
        listed = {s.get("section") for s in provenance.get("sections") or []}
        if section in listed or _whole(section) in listed:
            return True
        parts = _parts(section)
        return bool(parts) and all(p in listed for p in parts)

    def sources_text(self):
        """"ssda903 as of 31 Mar 2025": the sources named in the provenance, for messages."""
        provenance = self.get("provenance")
        if provenance is None:
            return "none"
        sources = {}
        for s in provenance.get("sections") or []:
            as_of = dates.parse_optional(s.get("as_of"))
            name = s.get("source", "")
            if name not in sources:
                sources[name] = as_of
            elif as_of is not None and (sources[name] is None or as_of > sources[name]):
                sources[name] = as_of
        if not sources:
            return "none"
        return ", ".join(
            name if as_of is None else f"{name} as of {dates.format_long(as_of)}"
            for name, as_of in sources.items()
        )
