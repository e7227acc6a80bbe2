"""The component's exports: the entry module `componentize-py` wraps (the build passes
`carecheck.component`). It binds the policy module `policy` (the plugin's `policy.py`) to
`carecheck:policy/policy@1.2.0` through `carecheck.guest`.

Every failure becomes the contract's error string (`result<_, string>`), never a trap, so the
host records why. `prepare` keeps the parsed context, the only thing kept between calls;
`evaluate_prepared` (JSON text) and `evaluate_packed` (packed bytes) then answer exactly what
`evaluate` answers with the same context.
"""

from componentize_py_types import Err
from wit_world import exports

import policy as _policy

from . import guest

_prepared = None


def _context(c):
    return guest.context(
        _policy,
        c.evaluation_date,
        c.look_ahead_days,
        c.non_working_days,
        c.calendar_from,
        c.calendar_to,
        c.settings,
    )


class Policy(exports.Policy):
    def describe(self):
        return guest.describe(_policy)

    def validate_settings(self, settings):
        try:
            guest.validate_settings(_policy, settings)
        except Exception as e:
            raise Err(str(e))

    def evaluate(self, context, care_record):
        try:
            return guest.evaluate_json(_policy, _context(context), care_record)
        except Exception as e:
            raise Err(str(e))

    def prepare(self, context):
        global _prepared
        # A failed prepare leaves nothing behind: the calls that follow answer with its reason.
        _prepared = None
        try:
            _prepared = _context(context)
        except Exception as e:
            _prepared = str(e)
            raise Err(str(e))

    def evaluate_prepared(self, care_record):
        return _with_prepared("evaluate-prepared", guest.evaluate_json, care_record)

    def evaluate_packed(self, care_record):
        return _with_prepared("evaluate-packed", guest.evaluate_packed, care_record)


def _with_prepared(function, answer, care_record):
    if _prepared is None:
        raise Err(f"{function} was called without a successful prepare")
    if isinstance(_prepared, str):
        raise Err(_prepared)
    try:
        return answer(_policy, _prepared, care_record)
    except Exception as e:
        raise Err(str(e))
