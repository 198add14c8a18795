"""The project's exception for input a user must correct."""

from collections.abc import Mapping
from typing import Any


class InputRejected(Exception):
    """
    Input that cannot be used as given: a file, a line or a choice.

    ``code`` is a short stable identifier that tests and stored failure
    reasons use; ``params`` fills the translated message when it is shown.
    """

    def __init__(
        self, code: str, params: Mapping[str, Any] | None = None, message: str = ""
    ) -> None:
        self.code = code
        self.params = dict(params or {})
        self.message = message
        super().__init__(message or code)
