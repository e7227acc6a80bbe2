"""The guest library's contract side: metadata, settings, results and the batch rule, on a
small policy defined here."""

import json
import types
import unittest

from carecheck import BREACH, DUE_SOON, MET, UPCOMING, WARNING, Check, dates, guest, settings
from carecheck.record import Record
from carecheck.testing import context, run, ymd

CHECK = Check.statutory("first-review", "First review within 20 working days", "CPPCR 2010 reg 33(1)")
LOCAL = Check.local("follow-up", "Follow-up", "local practice")


def evaluate(ctx, record):
    start = dates.parse(record["periods_of_care"][0]["episodes"][0]["start"])
    due = ctx.add_working_days(start, ctx.settings["working_days"])
    held = [dates.parse(r["date"]) for r in record.get("reviews") or []]
    timing = ctx.timing(due, min(held) if held else None)
    return [CHECK.timed("first review", due, timing, "m").with_current()]


def module(**overrides):
    m = types.SimpleNamespace(
        ABOUT={
            "id": "first-review",
            "version": "1.0.0",
            "title": "First review",
            "description": "d",
            "author": "a",
            "citations": ["CPPCR 2010 reg 33"],
            "checks": [CHECK, LOCAL],
            "reads": ["/periods_of_care/*/episodes/*/start", "/reviews/*/date"],
            "effective_from": "2011-04-01",
        },
        SETTINGS={"working_days": settings.Integer(20, "Working days", minimum=1, maximum=20, source="reg 33(1)")},
        evaluate=evaluate,
    )
    for k, v in overrides.items():
        setattr(m, k, v)
    return m


def record(start, reviews=()):
    return {"periods_of_care": [{"episodes": [{"start": start}]}], "reviews": [{"date": d} for d in reviews]}


class Metadata(unittest.TestCase):
    def test_describe_is_the_contract_shape(self):
        m = json.loads(guest.describe(module()))
        self.assertEqual(
            sorted(m),
            sorted(["id", "version", "title", "description", "author", "citations", "checks", "reads", "settings_schema", "effective_from"]),
        )
        self.assertEqual(m["checks"][0], {"id": "first-review", "title": "First review within 20 working days", "citation": "CPPCR 2010 reg 33(1)", "basis": "statutory"})
        schema = json.loads(m["settings_schema"])
        self.assertEqual(schema["properties"]["working_days"], {"type": "integer", "default": 20, "description": "Working days", "minimum": 1, "maximum": 20})
        self.assertFalse(schema["additionalProperties"])

    def test_missing_about_fields_are_named(self):
        m = module()
        del m.ABOUT["reads"]
        with self.assertRaisesRegex(guest.PolicyError, "ABOUT lacks reads"):
            guest.describe(m)


class Settings(unittest.TestCase):
    def test_defaults_bounds_and_unknown_names(self):
        m = module()
        self.assertEqual(guest.parse_settings(m, ""), {"working_days": 20})
        self.assertEqual(guest.parse_settings(m, '{"working_days": 15}'), {"working_days": 15})
        with self.assertRaisesRegex(settings.SettingError, r"`working_days` is 25, above its maximum 20 \(reg 33\(1\)\)"):
            guest.validate_settings(m, '{"working_days": 25}')
        with self.assertRaisesRegex(settings.SettingError, "unknown setting `working_day`"):
            guest.validate_settings(m, '{"working_day": 15}')
        with self.assertRaisesRegex(settings.SettingError, "must be a whole number"):
            guest.validate_settings(m, '{"working_days": true}')
        with self.assertRaisesRegex(settings.SettingError, "invalid settings"):
            guest.validate_settings(m, "[1]")

    def test_a_policys_own_check_runs_after_the_bounds(self):
        m = module(check_settings=lambda s: "too short" if s["working_days"] < 5 else None)
        with self.assertRaisesRegex(settings.SettingError, "too short"):
            guest.validate_settings(m, '{"working_days": 4}')


class Results(unittest.TestCase):
    def test_timing_on_the_deadline_day_is_met_and_a_day_later_is_a_breach(self):
        # Into care Fri 27 Mar 2026; 20 working days with Good Friday (3 Apr) and Easter Monday
        # (6 Apr) out: 30 Mar-2 Apr = 1-4, 7-10 Apr = 5-8, 13-17 = 9-13, 20-24 = 14-18, 27 = 19, 28 Apr = 20.
        easter = [ymd(2026, 4, 3), ymd(2026, 4, 6)]
        m = module()
        r = run(m, ymd(2026, 5, 1), record("2026-03-27", ["2026-04-28"]), non_working=easter)[0]
        self.assertEqual((r["status"], r["due"], r["done"]), (MET, "2026-04-28", "2026-04-28"))
        r = run(m, ymd(2026, 5, 1), record("2026-03-27", ["2026-04-29"]), non_working=easter)[0]
        self.assertEqual(r["status"], BREACH)
        # Not held: due soon inside the 28-day window, upcoming beyond it, due today on the day.
        self.assertEqual(run(m, ymd(2026, 4, 1), record("2026-03-27"), non_working=easter)[0]["status"], DUE_SOON)
        self.assertEqual(run(m, ymd(2026, 3, 27), record("2026-03-27"), non_working=easter, look_ahead_days=7)[0]["status"], UPCOMING)
        self.assertEqual(run(m, ymd(2026, 4, 29), record("2026-03-27"), non_working=easter)[0]["status"], BREACH)
        self.assertTrue(r["current"])

    def test_a_local_check_warns_and_never_breaches(self):
        ctx = context(module(), ymd(2026, 5, 1))
        timing = ctx.timing(ymd(2026, 4, 1))
        self.assertEqual(LOCAL.status(timing), WARNING)
        self.assertEqual(CHECK.status(timing), BREACH)

    def test_a_policy_bug_is_an_error_not_a_verdict(self):
        m = module(evaluate=lambda ctx, record: [][1])
        with self.assertRaisesRegex(guest.PolicyError, "the policy raised IndexError"):
            guest.evaluate_json(m, context(m, ymd(2026, 5, 1)), "{}")
        m = module(evaluate=lambda ctx, record: [Check.guidance("other", "t", "c").result(MET, "s", "m")])
        with self.assertRaisesRegex(guest.PolicyError, "undeclared check 'other'"):
            guest.evaluate_json(m, context(m, ymd(2026, 5, 1)), "{}")
        with self.assertRaisesRegex(guest.PolicyError, "unreadable record"):
            guest.evaluate_json(m, context(m, ymd(2026, 5, 1)), "[]")

    def test_provenance(self):
        r = Record({"provenance": {"sections": [{"section": "health", "source": "ssda903", "as_of": "2025-03-31"}]}})
        self.assertTrue(r.supplied("health.dental_checks"))
        self.assertFalse(r.supplied("reviews"))
        self.assertTrue(Record({}).supplied("reviews"))
        nope = CHECK.not_supplied("child", Record({"provenance": {"sections": []}}), "health.dental_checks")
        self.assertEqual(nope["status"], "insufficient_data")
        self.assertIn(["missing_field", "health.dental_checks"], nope["evidence"])


if __name__ == "__main__":
    unittest.main()
