"""The Python packer writes the shared vector (`plugins/guest/vectors/packed.json`, worked by
hand in `plugins/sdk/src/packed.rs`) byte for byte, and refuses what the JSON answer could not
carry either."""

import json
import os
import unittest

from carecheck import packed

VECTOR = os.path.join(os.path.dirname(__file__), "..", "..", "vectors", "packed.json")


class Packed(unittest.TestCase):
    def setUp(self):
        with open(VECTOR, encoding="utf-8") as f:
            self.v = json.load(f)

    def test_the_shared_vector(self):
        self.assertEqual(packed.pack(self.v["results"]).hex(), self.v["packed"])
        self.assertEqual(packed.pack([]), b"\x00")

    def test_long_text_and_far_dates_use_several_varint_bytes(self):
        # 300 bytes of message: 300 = 0b10_0101100, LEB128 0xac 0x02. Due 1900-01-01 is day
        # -25,567 (70 years of 365 days plus 17 leap days): zigzag 51,133 = 0b11_0001111_0111101,
        # LEB128 0xbd 0x8f 0x03.
        r = {"check": "c", "status": "breach", "due": "1900-01-01", "subject": "",
             "message": "m" * 300, "citation": ""}
        b = packed.pack([r])
        self.assertEqual(b[:8], bytes([1, 1, ord("c"), 3, 1, 0xBD, 0x8F, 0x03]))
        self.assertEqual(b[8:11], bytes([0, 0, 0xAC]))

    def test_refuses_what_json_could_not_carry(self):
        good = self.v["results"][0]
        for bad, why in [
            ({**good, "colour": "red"}, "unknown fields ['colour']"),
            ({**good, "status": "late"}, "unknown status 'late'"),
            ({**good, "message": 3}, "message is int, not text"),
            ({**good, "due": "2024-02-30"}, ""),
            ({**good, "evidence": [["only a key"]]}, "not a key and a value"),
            ({**good, "current": "yes"}, "current is not true or false"),
        ]:
            with self.assertRaises(ValueError) as e:
                packed.pack([bad])
            self.assertIn(why, str(e.exception))


if __name__ == "__main__":
    unittest.main()
