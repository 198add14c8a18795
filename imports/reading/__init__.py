"""
Reading uploaded results files: CSV in any common dialect, and .xlsx.

The package imports no models, so it can be tested on bytes alone. Staging
calls ``table_read`` and maps the columns; the wizard calls ``file_sniff`` to
suggest the reading options.

Whole-file faults raise ``learnlinq.errors.InputRejected(code, params)``:

- ``empty_file``: no bytes, or only blank lines.
- ``workbook_xls``: an Excel 97-2003 workbook; ``workbook_ods`` and
  ``workbook_xlsb``: other spreadsheet formats; ``workbook_invalid``: a
  damaged .xlsx (``sheet`` when the sheet itself failed).
- ``file_pdf``, ``file_zip`` (``kind``: archive or damaged) and
  ``file_binary`` (``kind``: ole2, image or binary): not a text file.
- ``encoding_unknown`` (``value``).
- ``encoding_invalid`` (``line``, ``byte`` such as ``0x96``, ``encoding``,
  ``suggested`` as labels, ``suggested_encoding`` as a codec name).
- ``quote_unclosed`` (``line``, ``quotechar``), ``quote_malformed`` (``line``,
  ``quotechar``), ``field_too_long`` (``line``, ``maximum``).
- ``delimiter_mismatch`` (``header``, ``delimiter``, ``suggested``).
- ``duplicate_header`` (``name``, ``column``, ``other_column``, ``names``).
- ``too_many_rows`` (``count``, and ``max`` with its alias ``maximum``).
- ``sheet_not_found`` (``sheet``, ``sheets``).

``Notice`` codes are for warnings that do not stop an import. A notice about
one line has that line in ``Notice.line`` and in its params as ``line``. The
codes are ``encoding_bom_mismatch`` (``encoding``, ``bom``), ``delimiter_from_sep_line``
(``delimiter``, ``chosen``, ``line``), ``mojibake`` (``sample``, ``encoding``,
``suggested``, ``lines_total``), ``control_characters`` (``sample``,
``encoding``, ``lines_total``), ``replacement_character`` (``sample``,
``lines_total``) and, from ``file_sniff`` only, ``date_format_ambiguous``
(``formats``, ``format``, ``column``).

``DateFormat.parse`` raises ``date_missing``, ``date_invalid``,
``date_impossible``, ``date_serial`` (adds ``date``), ``date_two_digit_year``
and ``date_too_early`` (adds ``minimum``), each with ``value`` and ``format``.
``date_format_compile`` raises ``date_format_invalid`` (``format``, ``part``)
and ``date_format_two_digit_year`` (``format``).
"""

from .dates import DATE_FORMATS, DateFormat, date_format_compile, date_formats_matching
from .delimited import DELIMITERS, QUOTECHARS
from .encodings import ENCODINGS, encoding_label
from .reader import table_read
from .sniff import file_sniff
from .tables import Cell, Notice, ReadOptions, Record, Suggestion, Table
from .values import header_normalise, tags_key, tags_split, value_clean

__all__ = [
    "DATE_FORMATS",
    "DELIMITERS",
    "ENCODINGS",
    "QUOTECHARS",
    "Cell",
    "DateFormat",
    "Notice",
    "ReadOptions",
    "Record",
    "Suggestion",
    "Table",
    "date_format_compile",
    "date_formats_matching",
    "encoding_label",
    "file_sniff",
    "header_normalise",
    "table_read",
    "tags_key",
    "tags_split",
    "value_clean",
]
