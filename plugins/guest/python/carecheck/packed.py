"""Check results in the contract's packed form (`evaluate-packed`, contract 1.2): the layout
`plugins/wit/policy.wit` documents, byte for byte what the Rust SDK's `packed::pack` writes.

Results are the dicts of `carecheck.outcome` (dates as ISO text, as in the JSON answer); a
result the JSON answer could not carry either (an unknown field, a value of the wrong type) is
refused with a message, never packed differently.
"""

from . import dates
from .outcome import STATUSES

_FIELDS = ("check", "status", "due", "done", "subject", "message", "evidence", "citation", "current")


class PackError(ValueError):
    """Why a result cannot be packed."""


def _varint(n, out):
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _text(value, what, out):
    if not isinstance(value, str):
        raise PackError(f"{what} is {type(value).__name__}, not text")
    b = value.encode("utf-8")
    _varint(len(b), out)
    out += b


def _day(value, what, out):
    if value is None:
        out.append(0)
        return
    if not isinstance(value, str):
        raise PackError(f"{what} is {type(value).__name__}, not an ISO date")
    n = dates.unix_day(dates.parse(value))
    out.append(1)
    _varint(2 * n if n >= 0 else -2 * n - 1, out)


def pack(results):
    """The results (a list of result dicts) packed, as bytes."""
    out = bytearray()
    _varint(len(results), out)
    for i, r in enumerate(results):
        unknown = sorted(set(r) - set(_FIELDS))
        if unknown:
            raise PackError(f"result {i} has unknown fields {unknown}")
        _text(r.get("check"), f"result {i}'s check", out)
        status = r.get("status")
        if status not in STATUSES:
            raise PackError(f"result {i} has unknown status {status!r}")
        _varint(STATUSES.index(status), out)
        _day(r.get("due"), f"result {i}'s due", out)
        _day(r.get("done"), f"result {i}'s done", out)
        _text(r.get("subject"), f"result {i}'s subject", out)
        _text(r.get("message"), f"result {i}'s message", out)
        evidence = r.get("evidence", [])
        _varint(len(evidence), out)
        for pair in evidence:
            if len(pair) != 2:
                raise PackError(f"result {i} has evidence that is not a key and a value")
            _text(pair[0], f"result {i}'s evidence key", out)
            _text(pair[1], f"result {i}'s evidence value", out)
        _text(r.get("citation"), f"result {i}'s citation", out)
        current = r.get("current", False)
        if not isinstance(current, bool):
            raise PackError(f"result {i}'s current is not true or false")
        out.append(1 if current else 0)
    return bytes(out)
