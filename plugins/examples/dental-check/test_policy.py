"""Hand-worked cases for `dental-check`: `python3 -m unittest` here, with the guest library on
the path (`PYTHONPATH=../../guest/python`; the plugin-build crate's tests run it so)."""

import unittest

import policy
from carecheck.testing import run, ymd


def record(checks, start="2024-01-15", provenance=None):
    r = {
        "periods_of_care": [{"episodes": [{"start": start}]}],
        "health": {"dental_checks": checks},
    }
    if provenance is not None:
        r["provenance"] = provenance
    return r


def current(results):
    [r] = [r for r in results if r.get("current")]
    return r


class DentalCheck(unittest.TestCase):
    def test_29_february_plus_12_months_is_28_february(self):
        # Last check Thu 29 Feb 2024; 2025 has no 29 Feb, so the next is expected by 28 Feb 2025.
        r = current(run(policy, ymd(2025, 1, 10), record(["2024-02-29"])))
        self.assertEqual((r["status"], r["due"]), ("upcoming", "2025-02-28"))
        self.assertIn(["last_dental_check", "2024-02-29"], r["evidence"])
        # 10 Jan to 28 Feb 2025 is 49 days, beyond the 28-day look-ahead: upcoming. On 31 Jan it
        # is 28 days: due soon.
        self.assertEqual(current(run(policy, ymd(2025, 1, 31), record(["2024-02-29"])))["status"], "due_soon")

    def test_the_expected_day_itself_is_due_soon_and_the_day_after_a_warning(self):
        # Check on 31 Aug 2025 with a 6-month timescale: 31 Feb 2026 does not exist, so the next
        # is expected by 28 Feb 2026 (a Saturday: months are calendar months, weekends and bank
        # holidays do not move them).
        six = {"max_months": 6}
        r = current(run(policy, ymd(2026, 2, 28), record(["2025-08-31"]), settings=six))
        self.assertEqual((r["status"], r["due"]), ("due_soon", "2026-02-28"))
        self.assertEqual(
            r["message"],
            "The next dental check is expected today, 28 Feb 2026 (local timescale: 6 months).",
        )
        r = current(run(policy, ymd(2026, 3, 1), record(["2025-08-31"]), settings=six))
        self.assertEqual(r["status"], "warning")  # local: never a breach
        self.assertEqual(
            r["message"],
            "The next dental check has not been held: 1 day past 28 Feb 2026 (local timescale: 6 months).",
        )

    def test_a_bank_holiday_does_not_move_a_calendar_month_deadline(self):
        # In care from Wed 25 Dec 2024 (Christmas Day) with no check: the first is expected 12
        # calendar months later, Thu 25 Dec 2025, itself a bank holiday; months are not working
        # days, so the deadline stays there even with the holidays in the calendar.
        xmas = [ymd(2024, 12, 25), ymd(2024, 12, 26), ymd(2025, 12, 25), ymd(2025, 12, 26)]
        r = current(run(policy, ymd(2025, 12, 1), record([], start="2024-12-25"), non_working=xmas))
        self.assertEqual((r["status"], r["due"]), ("due_soon", "2025-12-25"))
        self.assertTrue(r["message"].startswith("A first dental check in this period of care is expected by 25 Dec 2025"))

    def test_history_met_and_late_checks(self):
        # In care 15 Jan 2024; checks 10 Jan 2025 (within 12 months of 15 Jan 2024: met) and
        # 20 Jan 2026 (more than 12 months after 10 Jan 2025, due 10 Jan 2026: 10 days late, a warning).
        results = run(policy, ymd(2026, 2, 1), record(["2025-01-10", "2026-01-20"]))
        self.assertEqual([r["status"] for r in results], ["met", "warning", "upcoming"])
        self.assertEqual(results[1]["due"], "2026-01-10")
        self.assertEqual(results[1]["done"], "2026-01-20")
        self.assertEqual([bool(r.get("current")) for r in results], [False, False, True])

    def test_not_in_care_not_supplied_and_future_dates(self):
        r = run(policy, ymd(2023, 6, 1), record(["2022-01-01"]))
        self.assertEqual(r[0]["status"], "not_applicable")
        ssda903 = {"sections": [{"section": "periods_of_care", "source": "ssda903", "as_of": "2025-03-31"}]}
        r = run(policy, ymd(2025, 6, 1), record(["2025-01-10"], provenance=ssda903))
        self.assertEqual(r[0]["status"], "insufficient_data")
        self.assertIn(["missing_field", "health.dental_checks"], r[0]["evidence"])
        r = run(policy, ymd(2025, 6, 1), record(["2025-09-01"]))
        self.assertEqual(r[0]["status"], "insufficient_data")

    def test_the_setting_cannot_exceed_12_months(self):
        with self.assertRaisesRegex(Exception, "above its maximum 12"):
            run(policy, ymd(2025, 6, 1), record([]), settings={"max_months": 18})


if __name__ == "__main__":
    unittest.main()
