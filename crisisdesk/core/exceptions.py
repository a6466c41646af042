"""Refused use cases, with a code and a message. Services raise these; the API's exception
handler maps them to HTTP (crisisdesk.api.exception_handler), pages show `translated`.

A message is written once, where it is raised, as a lazily translated string
(`gettext_lazy`) with its values in `params`:

    raise Conflict(
        gettext_lazy("A post-mortem %(status)s cannot be submitted."), status=postmortem.status
    )

`message` is the English text (the API's `detail`, logs, the command line), `translated` the
text in the active language (a page, a Telegram answer). A plain English string is still
accepted: `translated` then looks it up in the catalogue, the way the views used to.
"""

from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from rest_framework import status


class DomainError(Exception):
    """A refused use case. Services raise these; the API maps them to a status code."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code: str = "invalid"

    def __init__(
        self,
        message: str | Promise,
        *,
        field: str | None = None,
        code: str | None = None,
        params: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        self._message = message
        self.params = params or {}
        self.field = field
        if code is not None:
            self.code = code
        self.extra = extra
        super().__init__(self.message)

    def _render(self, text: str) -> str:
        return text % self.params if self.params else text

    @property
    def message(self) -> str:
        """The message in English (the source language of the catalogue)."""
        if isinstance(self._message, Promise):
            with translation.override(None):
                return self._render(str(self._message))
        return self._render(self._message)

    @property
    def translated(self) -> str:
        """The message in the active language."""
        if isinstance(self._message, Promise):
            return self._render(str(self._message))
        return self._render(gettext(self._message))


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
