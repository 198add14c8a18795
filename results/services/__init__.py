"""Writes and workflows of the results app, one module per sub-domain."""

from results.services.core import (
    ResultDraft,
    external_result_create,
    results_bulk_create,
)

__all__ = ["ResultDraft", "external_result_create", "results_bulk_create"]
