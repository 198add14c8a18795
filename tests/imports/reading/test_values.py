import pytest

from imports.reading import header_normalise, tags_key, tags_split, value_clean


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  BHV  ", "BHV"),
        ("\u00a0EHBO\u00a0", "EHBO"),
        ("\u202fVCA\u200b", "VCA"),
        ("\ufeffUserId", "UserId"),
        ("a  b", "a  b"),
        ("", ""),
        (" \t\r\n ", ""),
    ],
)
def test_value_clean_trims(value: str, expected: str) -> None:
    assert value_clean(value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("userid ", "userid"),
        (" Timestamp", "timestamp"),
        ("TAGS", "tags"),
        ("\ufeffUserId", "userid"),
        ("Trạng thái\nyêu cầu", "trạng thái yêu cầu"),
        ("Start\u00a0 date", "start date"),
        ("Zoe\u0308", "zoë"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
    ],
)
def test_header_normalise_cases(name: str, expected: str) -> None:
    assert header_normalise(name) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("BHV|EHBO", ["BHV", "EHBO"]),
        (" BHV | EHBO ", ["BHV", "EHBO"]),
        ("\u00a0Veiligheid\u00a0", ["Veiligheid"]),
        ("||BHV||", ["BHV"]),
        ("", []),
        (" | ", []),
        ("bhv|BHV", ["bhv", "BHV"]),
    ],
)
def test_tags_split_cases(value: str, expected: list[str]) -> None:
    assert tags_split(value) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["VCA", "bhv", "BHV"], "bhv|vca"),
        (["bhv", "vca"], "bhv|vca"),
        ([], ""),
        ([" EHBO ", ""], "ehbo"),
        (["Één"], "één"),
    ],
)
def test_tags_key_cases(tags: list[str], expected: str) -> None:
    assert tags_key(tags) == expected
