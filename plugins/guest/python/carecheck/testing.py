"""Helpers for a policy's own unit tests, run with the machine's python3 (`python3 -m unittest`):
evaluate a hand-written record through the same JSON path the component uses, both ways the host
calls it (`evaluate`, and `prepare` then `evaluate-prepared`), and insist they agree.
"""

import datetime
import json

from . import dates, guest


def ymd(y, m, d):
    return datetime.date(y, m, d)


def context(module, evaluation_date, non_working=(), settings="", look_ahead_days=28,
            start=datetime.date(2000, 1, 1), end=datetime.date(2040, 12, 31)):
    """A context as the host would send it: `non_working` are dates (bank holidays)."""
    return guest.context(
        module,
        evaluation_date.isoformat(),
        look_ahead_days,
        [dates.unix_day(d) for d in non_working],
        start.isoformat(),
        end.isoformat(),
        settings if isinstance(settings, str) else json.dumps(settings),
    )


def run(module, evaluation_date, record, **kw):
    """The results (list of dicts, as the host parses them) of evaluating `record` (a dict)."""
    text = json.dumps(record)
    first = guest.evaluate_json(module, context(module, evaluation_date, **kw), text)
    # As a batch would: one prepared context, the record evaluated after another evaluation on
    # it (here, itself), which must change nothing.
    prepared = context(module, evaluation_date, **kw)
    guest.evaluate_json(module, prepared, text)
    second = guest.evaluate_json(module, prepared, text)
    if first != second:
        raise AssertionError(f"evaluate and evaluate-prepared differ:\n{first}\n{second}")
    # What the host reads from a batch: the same results packed (a result JSON could carry but
    # the packing refuses would fail here, not in the service).
    guest.evaluate_packed(module, prepared, text)
    return json.loads(first)


def one(results, check):
    """The only result of `check`."""
    found = [r for r in results if r["check"] == check]
    if len(found) != 1:
        raise AssertionError(f"{len(found)} results for {check}: {results}")
    return found[0]
