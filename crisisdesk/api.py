"""Shared API plumbing: pagination, the error format, and domain exceptions mapped to HTTP."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.db.models import QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crisisdesk.core.exceptions import DomainError
from crisisdesk.core.jsonbody import body_too_large
from crisisdesk.core.unavailable import is_database_outage, retry_after, unavailable_body


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the query string names none of the view's
    filters: building the FilterSet and its form cost about 2 ms a request, for a list read
    with no filter at all (bench/FINDINGS.md). A range filter's suffixed parameters
    (`<name>_min`, `<name>_after`) count as naming it."""

    def get_filterset(self, request: Any, queryset: QuerySet, view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        names = tuple(filterset_class.base_filters)
        if not any(param.startswith(names) for param in request.query_params):
            return None
        return filterset_class(**self.get_filterset_kwargs(request, queryset, view))


class DefaultCursorPagination(CursorPagination):
    """Newest first by id: stable under inserts, O(1) per page at any depth."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(value) for value in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """Every error is JSON: {"detail": message, "code": ..., "errors": {field: [reasons]}}."""
    if is_database_outage(exc):
        # Checked before DataError: both are DatabaseErrors, only this one is the server's.
        outage = Response(unavailable_body(), status=status.HTTP_503_SERVICE_UNAVAILABLE)
        outage["Retry-After"] = retry_after()
        return outage
    if isinstance(exc, RequestDataTooBig):
        # Django refused to read a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 in the API's
        # shape, not the 400 HTML page Django answers a SuspiciousOperation with.
        exc = body_too_large()
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.detail, "code": exc.code, **exc.extra}
        if exc.field:
            body["errors"] = {exc.field: [exc.detail]}
        return Response(body, status=exc.status_code)
    if isinstance(exc, DataError | OverflowError):
        # A value the database cannot hold (an id beyond 64 bits, …): the client's input.
        return Response(
            {"detail": "A value is out of range.", "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        if isinstance(errors, list):
            errors = {"non_field_errors": errors}
        first_field = next(iter(errors), None)
        first = errors.get(first_field) if first_field else None
        message = "Invalid input."
        if isinstance(first, list) and first and isinstance(first[0], str):
            message = f"{first_field}: {first[0]}"
        response.data = {"detail": message, "code": "invalid", "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data = {"detail": str(detail), "code": getattr(detail, "code", "error")}
    return response
