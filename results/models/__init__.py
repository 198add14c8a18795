"""Models of the results app, one module per sub-domain."""

from results.models.core import ExternalResult, Result

__all__ = ["ExternalResult", "Result"]
