"""Policy settings: declared once with their defaults and bounds, described to the host as a
JSON Schema, and parsed and checked before every evaluation, so `evaluate` only ever sees valid
values (as the Rust SDK's `settings::parse` does).

A policy declares a dict of name -> `Integer(...)`, `Number(...)`, `Boolean(...)`,
`String(...)` or `Date(...)`; every setting has a default (the statutory or local figure).
Unknown settings are refused, so a typo is an error, never a silently ignored figure. A bound
the law sets is a `minimum` or `maximum`: a local authority may tighten a figure, not loosen it.
"""

import json

from . import dates


class SettingError(ValueError):
    """Settings the policy cannot use, with the reason."""


class _Setting:
    json_type = None

    def __init__(self, default, description="", **bounds):
        self.default, self.description, self.bounds = default, description, bounds
        self.check("default", default)

    def schema(self):
        s = {"type": self.json_type, "default": self.default}
        if self.description:
            s["description"] = self.description
        s.update(self.bounds)
        return s

    def check(self, name, value):
        raise NotImplementedError


class Integer(_Setting):
    """A whole number between `minimum` and `maximum` (both included, either optional). Set
    `source` to name the law that fixes a bound, for the error message."""

    json_type = "integer"

    def __init__(self, default, description="", minimum=None, maximum=None, source=None):
        self.source = source
        bounds = {}
        if minimum is not None:
            bounds["minimum"] = minimum
        if maximum is not None:
            bounds["maximum"] = maximum
        super().__init__(default, description, **bounds)

    def check(self, name, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingError(f"setting `{name}` must be a whole number, not {json.dumps(value)}")
        lo, hi = self.bounds.get("minimum"), self.bounds.get("maximum")
        by = f" ({self.source})" if self.source else ""
        if lo is not None and value < lo:
            raise SettingError(f"setting `{name}` is {value}, below its minimum {lo}{by}")
        if hi is not None and value > hi:
            raise SettingError(f"setting `{name}` is {value}, above its maximum {hi}{by}")


class Number(Integer):
    json_type = "number"

    def check(self, name, value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingError(f"setting `{name}` must be a number, not {json.dumps(value)}")
        lo, hi = self.bounds.get("minimum"), self.bounds.get("maximum")
        if lo is not None and value < lo:
            raise SettingError(f"setting `{name}` is {value}, below its minimum {lo}")
        if hi is not None and value > hi:
            raise SettingError(f"setting `{name}` is {value}, above its maximum {hi}")


class Boolean(_Setting):
    json_type = "boolean"

    def check(self, name, value):
        if not isinstance(value, bool):
            raise SettingError(f"setting `{name}` must be true or false, not {json.dumps(value)}")


class String(_Setting):
    """Text, optionally one of `enum`."""

    json_type = "string"

    def __init__(self, default, description="", enum=None):
        super().__init__(default, description, **({"enum": list(enum)} if enum else {}))

    def check(self, name, value):
        if not isinstance(value, str):
            raise SettingError(f"setting `{name}` must be text, not {json.dumps(value)}")
        allowed = self.bounds.get("enum")
        if allowed and value not in allowed:
            raise SettingError(f"setting `{name}` is {value!r}, not one of {', '.join(allowed)}")


class Date(_Setting):
    """A date as YYYY-MM-DD; the policy receives a `datetime.date`."""

    json_type = "string"

    def __init__(self, default, description=""):
        super().__init__(default, description, format="date")

    def check(self, name, value):
        try:
            dates.parse(value)
        except dates.DateError as e:
            raise SettingError(f"setting `{name}`: {e}") from None


def schema(declared):
    """The JSON Schema (as text) of the declared settings, with each one's default."""
    return json.dumps(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Settings",
            "type": "object",
            "additionalProperties": False,
            "properties": {name: s.schema() for name, s in declared.items()},
        },
        sort_keys=True,
    )


def parse(declared, text, check=None):
    """The settings in `text` (JSON; empty text means the defaults) with defaults filled in,
    checked against their declarations and then by `check(settings)`, which returns an error
    message or None. Raises SettingError saying what is wrong."""
    if text is None or not text.strip():
        given = {}
    else:
        try:
            given = json.loads(text)
        except ValueError as e:
            raise SettingError(f"invalid settings: {e}") from None
        if not isinstance(given, dict):
            raise SettingError("invalid settings: expected a JSON object")
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(f"`{n}`" for n in declared) or "none"
        raise SettingError(f"invalid settings: unknown setting `{unknown[0]}`, expected one of {known}")
    values = {}
    for name, s in declared.items():
        value = given.get(name, s.default)
        s.check(name, value)
        values[name] = dates.parse(value) if isinstance(s, Date) else value
    if check is not None:
        problem = check(values)
        if problem:
            raise SettingError(problem)
    return values
