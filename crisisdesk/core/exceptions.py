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

The refusals of a person's own upload (a JSON body, a file to import, a batch of mentions or
labels) have always answered the API in that person's language, for the import page reads
them from the API: their classes set `api_speaks_member_language` and the API's `detail` is
then `translated`.

A stored code shown in a sentence (a status, a channel) goes into `params` as a `CodeLabel`:
the English message keeps the code as the API has always said it, a page reads its label.
"""

from collections.abc import Iterable
from typing import Any, cast

from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from rest_framework import status


class CodeLabel:
    """A code in the English message (the API's `detail`), its label in the page's language."""

    __slots__ = ("code", "label")

    def __init__(self, code: str, label: str | Promise) -> None:
        self.code = code
        self.label = label

    def __str__(self) -> str:
        # `DomainError.message` renders with translations off (get_language() is None there).
        return self.code if translation.get_language() is None else str(self.label)

    def __repr__(self) -> str:
        return f"CodeLabel({self.code!r})"


def choice(choices: Any, code: str) -> CodeLabel:
    """`code` of a TextChoices class with its label (the code itself if it is not one)."""
    try:
        return CodeLabel(code, choices(code).label)
    except ValueError:
        return CodeLabel(code, code)


def _format(message: str | Promise, params: dict[str, Any]) -> str:
    return str(message) % params


def _join(separator: str, parts: tuple[str | Promise, ...]) -> str:
    return separator.join(str(part) for part in parts)


def lazy_format(message: Promise, **params: Any) -> Promise:
    """A lazily translated message with its values filled in when it is read (a problem in a
    list, which has no `params` of its own)."""
    return cast(Promise, lazy(_format, str)(message, params))


def lazy_join(parts: Iterable[str | Promise], separator: str = " ") -> Promise:
    """Lazily translated parts read as one message, each in the language it is read in."""
    return cast(Promise, lazy(_join, str)(separator, tuple(parts)))


def english(texts: Iterable[str | Promise]) -> list[str]:
    """The texts in English (a list in the API's body, next to its English `detail`)."""
    with translation.override(None):
        return [str(text) for text in texts]


class DomainError(Exception):
    """A refused use case. Services raise these; the API maps them to a status code."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code: str = "invalid"
    # The API's `detail` in the request's language rather than in English (see the docstring).
    api_speaks_member_language: bool = False

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

    @property
    def detail(self) -> str:
        """The API's `detail`: English, or the member's language where the class says so."""
        return self.translated if self.api_speaks_member_language else self.message


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
