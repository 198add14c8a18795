import pytest

from imports.reading.delimited import delimited_rows, sep_line_split
from learnlinq.errors import InputRejected


def _rows(text: str, delimiter: str = ";", quotechar: str = '"') -> list:
    return list(delimited_rows(text, delimiter=delimiter, quotechar=quotechar))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a;b\r\nc;d\r\n", [(1, ["a", "b"]), (2, ["c", "d"])]),
        ("a;b\rc;d\r", [(1, ["a", "b"]), (2, ["c", "d"])]),
        ("a;b\nc;d", [(1, ["a", "b"]), (2, ["c", "d"])]),
        (
            "a;b\r\nc;d\ne;f\rg;h",
            [(1, ["a", "b"]), (2, ["c", "d"]), (3, ["e", "f"]), (4, ["g", "h"])],
        ),
        ('a;"b\nc"\r\nd;e\r\n', [(1, ["a", "b\nc"]), (3, ["d", "e"])]),
        ('a;"b\r\nc\r\nd"\r\ne;f', [(1, ["a", "b\r\nc\r\nd"]), (4, ["e", "f"])]),
        ('a;"b\rc"\rd;e', [(1, ["a", "b\rc"]), (3, ["d", "e"])]),
        ("a;b\r\n\r\nc;d", [(1, ["a", "b"]), (2, []), (3, ["c", "d"])]),
        ('"x;y";"say ""hi"""', [(1, ["x;y", 'say "hi"'])]),
        ('a;""', [(1, ["a", ""])]),
    ],
)
def test_delimited_rows_lines(text: str, expected: list) -> None:
    assert _rows(text) == expected


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|", ":"])
def test_delimited_rows_delimiters(delimiter: str) -> None:
    text = f'a{delimiter}"b{delimiter}c"{delimiter}d\n'
    assert _rows(text, delimiter) == [(1, ["a", f"b{delimiter}c", "d"])]


def test_delimited_rows_single_quote() -> None:
    assert _rows("'a;b';'it''s'", quotechar="'") == [(1, ["a;b", "it's"])]


def test_delimited_rows_no_qualifier() -> None:
    assert _rows('"a";b"c', quotechar="") == [(1, ['"a"', 'b"c'])]


def test_delimited_rows_first_line_offset() -> None:
    rows = list(delimited_rows("a\nb", delimiter=";", quotechar='"', first_line=2))
    assert rows == [(2, ["a"]), (3, ["b"])]


def test_delimited_rows_unclosed_quote() -> None:
    with pytest.raises(InputRejected) as caught:
        _rows('a;b\r\nc;"d\r\ne;f\r\ng;h\r\n')
    assert caught.value.code == "quote_unclosed"
    assert caught.value.params == {"line": 2, "quotechar": '"'}


def test_delimited_rows_text_after_quote() -> None:
    with pytest.raises(InputRejected) as caught:
        _rows('a;b\r\nc;"d"e\r\n')
    assert caught.value.code == "quote_malformed"
    assert caught.value.params == {"line": 2, "quotechar": '"'}


def test_delimited_rows_dutch_place_name_quote() -> None:
    # "'s-Hertogenbosch" opens a quoted field when ' is the text qualifier.
    with pytest.raises(InputRejected) as caught:
        _rows("a;'s-Hertogenbosch\nb;c\n", quotechar="'")
    assert caught.value.code == "quote_unclosed"
    assert caught.value.params["line"] == 1


@pytest.mark.parametrize(
    ("text", "delimiter", "rest", "first_line"),
    [
        ("sep=;\r\na;b", ";", "a;b", 2),
        ("sep=,\na,b", ",", "a,b", 2),
        ("SEP=|\ra|b", "|", "a|b", 2),
        ('"sep=;"\r\na;b', ";", "a;b", 2),
        ("sep=\t\na\tb", "\t", "a\tb", 2),
        ("a;b", None, "a;b", 1),
        ("separator;b", None, "separator;b", 1),
    ],
)
def test_sep_line_split_cases(
    text: str, delimiter: str | None, rest: str, first_line: int
) -> None:
    sep = sep_line_split(text)
    assert sep.delimiter == delimiter
    assert sep.text == rest
    assert sep.first_line == first_line
