"""CSV cells never run as spreadsheet formulas; numbers stay numbers."""

from __future__ import annotations

import pytest

from posecheck.report.csv import safe_row, spreadsheet_safe


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("-12.5", "-12.5"),
        ("-0.001", "-0.001"),
        ("+3", "+3"),
        ("-1e-05", "-1e-05"),
        ("Lift your chest - torso upright", "Lift your chest - torso upright"),
        ("", ""),
        (-3.5, -3.5),
        (7, 7),
    ],
)
def test_spreadsheet_safe(cell: object, expected: object) -> None:
    assert spreadsheet_safe(cell) == expected


def test_safe_row() -> None:
    assert safe_row(["=1", "-2", 3, "x"]) == ["'=1", "-2", 3, "x"]
