"""A refusal that used to be an f-string ("A response that is published cannot be edited."):
a Russian page reads it in Russian with the status's label filled in; the API's `detail`
keeps the English sentence, with the status as the API names it."""

import pytest

from templates.models import Response, ResponseStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(agency, incident) -> Response:
    return Response.objects.create(
        organisation=agency.org,
        incident=incident,
        channel="x",
        body="We are on it.",
        status=ResponseStatus.PUBLISHED,
        author=agency.member("responder"),
        approved_by=agency.member("manager"),
    )


def test_a_russian_page_says_a_published_response_cannot_be_edited(
    browser_as, incident, published
) -> None:
    client = browser_as("responder")
    client.cookies["django_language"] = "ru"

    page = client.post(
        f"/o/alpha/incidents/{incident.pk}/responses/{published.pk}/edit/",
        {"body": "Changed after the fact."},
        HTTP_ACCEPT_LANGUAGE="ru",
        follow=True,
    ).content.decode()

    assert "Ответ в статусе «Опубликован» нельзя изменить." in page
    assert "cannot be edited" not in page
    published.refresh_from_db()
    assert published.body == "We are on it."


def test_the_api_keeps_the_english_detail_of_the_same_refusal(as_role, incident, published) -> None:
    response = as_role("responder").patch(
        f"/api/v1/orgs/alpha/incidents/{incident.pk}/responses/{published.pk}/",
        {"body": "Changed after the fact."},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )

    assert response.status_code == 409
    body = response.json()
    assert body["detail"] == "A response that is published cannot be edited."
    assert (body["code"], body["status"]) == ("conflict", "published")
