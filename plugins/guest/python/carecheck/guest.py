"""The contract's side of a Python policy: a policy module (`policy.py`) in, the JSON text (or
packed bytes) `plugins/wit/policy.wit` documents out. The component's exports (`carecheck.component`), the
policy's own unit tests (`carecheck.testing`) and the shared test vectors all go through these
functions, so a policy behaves the same in all three.

A policy module defines:

- `ABOUT`: a dict with `id`, `version`, `title`, `description`, `author`, `citations`,
  `checks` (a list of `carecheck.Check`), `reads` (JSON pointers of the record fields it reads;
  the host removes every other field) and `effective_from` (YYYY-MM-DD);
- `SETTINGS` (optional): name -> `carecheck.settings.Integer(...)` etc., each with a default;
- `check_settings(settings)` (optional): an error message for settings that do not go
  together, or None;
- `evaluate(ctx, record)`: a list of results (`Check.result`, `Check.timed`,
  `Check.insufficient`) for one child, given a `carecheck.Context` (ctx.settings is the
  validated settings dict) and a `carecheck.Record`.

`evaluate` must keep nothing between calls: a verdict may depend only on the context and the
record (the host evaluates batches of records on one instance and refuses at upload a plugin
whose answers change in a batch).
"""

import datetime
import json

from . import dates, packed, settings as _settings
from .outcome import BASES, STATUSES, Context
from .record import Record

_ABOUT_FIELDS = (
    "id",
    "version",
    "title",
    "description",
    "author",
    "citations",
    "checks",
    "reads",
    "effective_from",
)


class PolicyError(Exception):
    """Why an evaluation gave no results (the host records it as the plugin's error)."""


def _declared(module):
    return getattr(module, "SETTINGS", None) or {}


def metadata(module):
    """The metadata dict `describe` answers, settings schema included."""
    about = module.ABOUT
    missing = [f for f in _ABOUT_FIELDS if f not in about]
    if missing:
        raise PolicyError(f"ABOUT lacks {', '.join(missing)}")
    unknown = sorted(set(about) - set(_ABOUT_FIELDS))
    if unknown:
        raise PolicyError(f"ABOUT has unknown field {unknown[0]!r}")
    checks = [c.describe() if hasattr(c, "describe") else dict(c) for c in about["checks"]]
    for c in checks:
        if c.get("basis") not in BASES:
            raise PolicyError(f"check {c.get('id')!r} has basis {c.get('basis')!r}")
    dates.parse(about["effective_from"])
    return {
        "id": about["id"],
        "version": about["version"],
        "title": about["title"],
        "description": about["description"],
        "author": about["author"],
        "citations": list(about["citations"]),
        "checks": checks,
        "reads": list(about["reads"]),
        "settings_schema": _settings.schema(_declared(module)),
        "effective_from": about["effective_from"],
    }


def describe(module):
    return json.dumps(metadata(module), separators=(",", ":"))


def parse_settings(module, text):
    """The validated settings dict, or SettingError saying why not."""
    return _settings.parse(_declared(module), text, getattr(module, "check_settings", None))


def validate_settings(module, text):
    parse_settings(module, text)


def context(module, evaluation_date, look_ahead_days, non_working_days, calendar_from, calendar_to, settings_text):
    """The context of an evaluation from the contract's fields, settings parsed and checked."""
    try:
        return Context(
            dates.parse(evaluation_date),
            look_ahead_days,
            dates.Calendar.from_unix_days(non_working_days, calendar_from, calendar_to),
            parse_settings(module, settings_text),
        )
    except ValueError as e:
        raise PolicyError(str(e)) from None


def _json_default(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def evaluate_json(module, ctx, record_text):
    """One record's results as JSON text: what `evaluate` and `evaluate-prepared` answer."""
    results = _evaluate(module, ctx, record_text)
    return json.dumps(results, separators=(",", ":"), default=_json_default)


def evaluate_packed(module, ctx, record_text):
    """One record's results packed (`carecheck.packed`): what `evaluate-packed` answers."""
    try:
        return packed.pack(_evaluate(module, ctx, record_text))
    except packed.PackError as e:
        raise PolicyError(str(e)) from None


def _evaluate(module, ctx, record_text):
    """One record's results, each for a declared check with a known status."""
    try:
        raw = json.loads(record_text)
    except ValueError as e:
        raise PolicyError(f"unreadable record: {e}") from None
    if not isinstance(raw, dict):
        raise PolicyError("unreadable record: expected a JSON object")
    try:
        results = module.evaluate(ctx, Record(raw))
    except Exception as e:  # a policy bug: reported as this child's error, never a verdict
        raise PolicyError(f"the policy raised {type(e).__name__}: {e}") from None
    declared = {c.id if hasattr(c, "id") else c["id"] for c in module.ABOUT["checks"]}
    for r in results:
        if r.get("check") not in declared:
            raise PolicyError(f"result for undeclared check {r.get('check')!r}")
        if r.get("status") not in STATUSES:
            raise PolicyError(f"result with unknown status {r.get('status')!r}")
    return list(results)
