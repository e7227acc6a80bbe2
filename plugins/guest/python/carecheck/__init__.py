"""carecheck's Python guest library: write a policy plugin in Python.

A plugin is a folder with a `policy.py` (see `carecheck.guest` for what it defines) and a
`carecheck-plugin.toml`; `carecheck plugin build DIR` bundles it with this library into a
WebAssembly component (componentize-py) that imports nothing and exports
`carecheck:policy/policy@1.1.0`. Dates, results and settings follow the Rust SDK exactly; the
shared vectors in `plugins/guest/vectors/` prove the date arithmetic agrees.
"""

from . import dates, settings
from .dates import Calendar, DateError, OutsideCalendar
from .outcome import (
    BREACH,
    DUE_SOON,
    GUIDANCE,
    INSUFFICIENT_DATA,
    LOCAL,
    MET,
    NOT_APPLICABLE,
    STATUTORY,
    UPCOMING,
    WARNING,
    Check,
    Context,
    Result,
    Timing,
    describe,
    describe_local,
)
from .record import Record

__all__ = [
    "dates",
    "settings",
    "Calendar",
    "DateError",
    "OutsideCalendar",
    "BREACH",
    "DUE_SOON",
    "GUIDANCE",
    "INSUFFICIENT_DATA",
    "LOCAL",
    "MET",
    "NOT_APPLICABLE",
    "STATUTORY",
    "UPCOMING",
    "WARNING",
    "Check",
    "Context",
    "Result",
    "Timing",
    "describe",
    "describe_local",
    "Record",
]
