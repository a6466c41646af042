"""Domain errors: a code, a message written once (lazily translated), the English text for
the API and the user's language for pages."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from crisisdesk.core.exceptions import Conflict, DomainError, Forbidden
from incidents.postmortems.models import PostMortem
from incidents.postmortems.policies import PostMortemLocked


def test_a_lazy_message_is_english_for_the_api_and_translated_for_a_page() -> None:
    exc = Forbidden(gettext_lazy("Only a manager or an owner reviews post-mortems."))

    with translation.override("ru"):
        assert exc.message == "Only a manager or an owner reviews post-mortems."
        assert exc.translated == "Проверяют разборы только менеджер или владелец."
        assert str(exc) == exc.message
    assert (exc.code, exc.status_code) == ("permission_denied", 403)


def test_a_plain_english_message_is_looked_up_in_the_catalogue() -> None:
    exc = DomainError("Say what should change.", field="comments")

    with translation.override("ru"):
        assert exc.message == "Say what should change."
        assert exc.translated != exc.message
    assert exc.field == "comments"


def test_params_are_filled_in_after_translation() -> None:
    exc = Conflict(gettext_lazy("%(count)d MiB"), params={"count": 5}, code="too_large")

    with translation.override("ru"):
        assert exc.message == "5 MiB"
        assert exc.translated == "5 МиБ"
    assert exc.code == "too_large"
    assert Conflict("x").code == "conflict"  # the class's code unless one is given


@pytest.mark.parametrize("action", ["edited", "submitted"])
def test_a_locked_post_mortem_reads_as_one_sentence_on_a_page(action) -> None:
    exc = PostMortemLocked(PostMortem(status="in_review"), action)

    assert exc.message == f"A post-mortem in_review cannot be {action}."
    assert exc.extra == {"status": "in_review"}
    with translation.override("ru"):
        assert "in_review" not in exc.translated
        assert exc.translated != exc.message


def test_the_api_body_keeps_the_english_detail_and_the_code(api, agency) -> None:
    from crisisdesk.api import exception_handler

    exc = Forbidden(gettext_lazy("Nobody reviews their own post-mortem."), field="author")
    with translation.override("ru"):
        response = exception_handler(exc, {})

    assert response.status_code == 403
    assert response.data == {
        "detail": "Nobody reviews their own post-mortem.",
        "code": "permission_denied",
        "errors": {"author": ["Nobody reviews their own post-mortem."]},
    }


def test_a_status_reads_as_its_code_in_english_and_as_its_label_on_a_page() -> None:
    from crisisdesk.core.exceptions import choice
    from templates.models import ResponseStatus

    exc = Conflict(
        gettext_lazy("A response that is %(status)s cannot be edited."),
        params={"status": choice(ResponseStatus, "pending_approval")},
        status="pending_approval",
    )

    with translation.override("ru"):
        assert exc.message == "A response that is pending_approval cannot be edited."
        assert exc.translated == "Ответ в статусе «На согласовании» нельзя изменить."
    with translation.override("en"):
        assert exc.translated == "A response that is Pending approval cannot be edited."
    assert str(choice(ResponseStatus, "gone")) == "gone"  # not a choice: the code itself


def test_an_upload_refusal_answers_the_api_in_the_members_language() -> None:
    from crisisdesk.core.jsonbody import too_deep

    with translation.override("ru"):
        assert too_deep(20).detail == "JSON вложен глубже 20 уровней."
        assert too_deep(20).message == "JSON nested deeper than 20 levels."
        assert Conflict(gettext_lazy("Signature does not match.")).detail == (
            "Signature does not match."
        )
