"""A playbook applied to an incident becomes its checklist; each change is on the timeline."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from incidents.models import IncidentEvent, Status
from playbooks.models import AppliedPlaybook, IncidentTask
from tests.factories import IncidentFactory, MembershipFactory, PlaybookFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(agency):
    return IncidentFactory(brand=agency.brand, status=Status.ACKNOWLEDGED)


@pytest.fixture
def playbook(agency):
    playbook = PlaybookFactory(organisation=agency.org, crisis_type="product_quality", steps=3)
    first = playbook.steps.get(position=1)
    first.owner_team = agency.team
    first.save()
    return playbook


def base(incident, slug: str = "alpha") -> str:
    return f"/api/v1/orgs/{slug}/incidents/{incident.id}/"


def apply(client, incident, playbook):
    return client.post(f"{base(incident)}apply-playbook/", {"playbook": playbook.id}, format="json")


def events(incident, kind: str) -> list[dict]:
    return list(
        IncidentEvent.objects.filter(incident=incident, kind=kind)
        .order_by("id")
        .values_list("payload", flat=True)
    )


def test_applying_creates_a_task_per_step_and_one_event(
    as_role, agency, incident, playbook
) -> None:
    before = timezone.now()

    response = apply(as_role("responder"), incident, playbook)

    assert response.status_code == 201
    body = response.json()
    assert body["playbook"] == playbook.id
    assert body["crisis_type"] == "product_quality"
    assert body["counts"] == {"total": 3, "done": 0, "overdue": 0}
    tasks = list(IncidentTask.objects.filter(incident=incident).order_by("position"))
    assert [(t.position, t.title, t.step.position) for t in tasks] == [
        (1, "Step 1", 1),
        (2, "Step 2", 2),
        (3, "Step 3", 3),
    ]
    assert tasks[0].owner_team == agency.team
    applied_at = AppliedPlaybook.objects.get(incident=incident).applied_at
    assert applied_at >= before
    assert [t.due_at - applied_at for t in tasks] == [timedelta(minutes=m) for m in (10, 20, 30)]
    [event] = events(incident, "playbook_applied")
    assert event["playbook"] == playbook.id
    assert (event["name"], event["crisis_type"], event["task_count"]) == (
        playbook.name,
        "product_quality",
        3,
    )
    assert [(t["task"], parse_datetime(t["due_at"])) for t in event["tasks"]] == [
        (t.id, t.due_at) for t in tasks
    ]
    incident.refresh_from_db()
    assert incident.crisis_type == "product_quality"


def test_an_incident_keeps_a_crisis_type_it_already_has(as_role, agency, playbook) -> None:
    incident = IncidentFactory(brand=agency.brand, crisis_type="data_leak")

    apply(as_role("responder"), incident, playbook)

    incident.refresh_from_db()
    assert incident.crisis_type == "data_leak"
    assert events(incident, "playbook_applied")[0]["crisis_type_set"] is False


def test_applying_the_same_playbook_twice_is_a_conflict(as_role, incident, playbook) -> None:
    apply(as_role("responder"), incident, playbook)

    again = apply(as_role("manager"), incident, playbook)

    assert again.status_code == 409
    assert again.json()["errors"] == {
        "playbook": ["This playbook has already been applied to the incident."]
    }
    assert IncidentTask.objects.filter(incident=incident).count() == 3
    assert len(events(incident, "playbook_applied")) == 1


def test_a_second_playbook_adds_its_tasks_after_the_first(
    as_role, agency, incident, playbook
) -> None:
    other = PlaybookFactory(organisation=agency.org, steps=2)
    apply(as_role("responder"), incident, playbook)

    apply(as_role("responder"), incident, other)

    positions = list(
        IncidentTask.objects.filter(incident=incident)
        .order_by("position")
        .values_list("playbook_id", "position")
    )
    assert positions == [
        (playbook.id, 1),
        (playbook.id, 2),
        (playbook.id, 3),
        (other.id, 4),
        (other.id, 5),
    ]


def test_inactive_playbooks_and_closed_incidents_are_refused(as_role, agency, playbook) -> None:
    closed = IncidentFactory(brand=agency.brand, status=Status.CLOSED)
    inactive = PlaybookFactory(organisation=agency.org, active=False)
    open_incident = IncidentFactory(brand=agency.brand)

    assert apply(as_role("responder"), closed, playbook).status_code == 409
    assert apply(as_role("responder"), open_incident, inactive).status_code == 400
    assert not IncidentTask.objects.exists()


def test_viewers_cannot_apply(as_role, incident, playbook) -> None:
    assert apply(as_role("viewer"), incident, playbook).status_code == 403
    assert not IncidentTask.objects.exists()


def test_another_agencys_playbook_is_unknown(as_role, incident, outsider) -> None:
    foreign = PlaybookFactory(organisation=outsider.org)

    response = apply(as_role("manager"), incident, foreign)

    assert response.status_code == 400
    assert "playbook" in response.json()["errors"]


def test_the_task_list_marks_and_counts_overdue_tasks(as_role, incident, playbook) -> None:
    apply(as_role("responder"), incident, playbook)
    first, second, third = IncidentTask.objects.filter(incident=incident).order_by("position")
    IncidentTask.objects.filter(pk__in=[first.pk, second.pk]).update(
        due_at=timezone.now() - timedelta(minutes=5)
    )
    as_role("responder").post(f"{base(incident)}tasks/{first.id}/complete/")

    body = as_role("viewer").get(f"{base(incident)}tasks/").json()

    assert body["counts"] == {"total": 3, "done": 1, "overdue": 1}
    assert [(t["id"], t["overdue"], t["late"]) for t in body["results"]] == [
        (first.id, False, True),
        (second.id, True, False),
        (third.id, False, False),
    ]
    assert body["results"][0]["done_by"]["username"] == "alpha-responder"


def test_completing_and_reopening_are_events_with_due_and_done_times(
    as_role, agency, incident, playbook
) -> None:
    apply(as_role("responder"), incident, playbook)
    task = IncidentTask.objects.filter(incident=incident).order_by("position").first()
    IncidentTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    task.refresh_from_db()
    url = f"{base(incident)}tasks/{task.id}/"

    done = as_role("responder").post(f"{url}complete/")
    done_again = as_role("manager").post(f"{url}complete/")
    reopened = as_role("responder").post(f"{url}reopen/")
    reopened_again = as_role("responder").post(f"{url}reopen/")

    assert done.status_code == 200
    assert done.json()["done_at"] is not None
    assert done_again.status_code == 409
    assert reopened.status_code == 200
    assert (reopened.json()["done_at"], reopened.json()["done_by"]) == (None, None)
    assert reopened_again.status_code == 409
    [done_event] = events(incident, "task_done")
    assert done_event["task"] == task.id
    assert done_event["title"] == task.title
    assert parse_datetime(done_event["due_at"]) == task.due_at
    assert parse_datetime(done_event["done_at"]) == parse_datetime(done.json()["done_at"])
    assert done_event["late"] is True
    assert done_event["late_seconds"] >= 60
    assert done_event["done_by"] == agency.member("responder").id
    [reopen_event] = events(incident, "task_reopened")
    assert (reopen_event["task"], reopen_event["done_at"], reopen_event["late"]) == (
        task.id,
        None,
        True,
    )
    assert reopen_event["previous_done_at"] == done_event["done_at"]


def test_a_task_done_before_its_due_time_is_not_late(as_role, incident, playbook) -> None:
    apply(as_role("responder"), incident, playbook)
    task = IncidentTask.objects.filter(incident=incident).first()

    as_role("responder").post(f"{base(incident)}tasks/{task.id}/complete/")

    assert events(incident, "task_done")[0]["late"] is False


def test_tasks_are_assigned_to_members_who_see_the_brand(
    as_role, agency, incident, playbook
) -> None:
    apply(as_role("responder"), incident, playbook)
    task = IncidentTask.objects.filter(incident=incident).first()
    url = f"{base(incident)}tasks/{task.id}/assign/"
    elsewhere = MembershipFactory(organisation=agency.org, role="responder")
    elsewhere.brands.set([agency.other_brand])

    assigned = as_role("responder").post(
        url, {"assignee": agency.member("manager").id}, format="json"
    )
    hidden_brand = as_role("responder").post(url, {"assignee": elsewhere.id}, format="json")
    unassigned = as_role("responder").post(url, {"assignee": None}, format="json")

    assert assigned.json()["assignee"]["username"] == "alpha-manager"
    assert hidden_brand.status_code == 400
    assert unassigned.json()["assignee"] is None
    assert [e["assignee"] for e in events(incident, "task_assigned")] == [
        agency.member("manager").id,
        None,
    ]


def test_viewers_read_tasks_but_do_not_change_them(as_role, incident, playbook) -> None:
    apply(as_role("responder"), incident, playbook)
    task = IncidentTask.objects.filter(incident=incident).first()
    client = as_role("viewer")

    assert client.get(f"{base(incident)}tasks/").status_code == 200
    assert client.get(f"{base(incident)}tasks/{task.id}/").status_code == 200
    for action in ("complete", "reopen", "assign"):
        assert client.post(f"{base(incident)}tasks/{task.id}/{action}/").status_code == 403
    assert IncidentTask.objects.get(pk=task.pk).done_at is None


def test_tasks_of_a_closed_incident_are_frozen(as_role, agency, incident, playbook) -> None:
    apply(as_role("responder"), incident, playbook)
    task = IncidentTask.objects.filter(incident=incident).first()
    incident.status = Status.CLOSED
    incident.save()

    response = as_role("manager").post(f"{base(incident)}tasks/{task.id}/complete/")

    assert response.status_code == 409


def test_a_task_of_another_incident_is_not_found_under_this_one(
    as_role, agency, incident, playbook
) -> None:
    other = IncidentFactory(brand=agency.brand)
    apply(as_role("responder"), other, playbook)
    task = IncidentTask.objects.get(incident=other, position=1)

    response = as_role("responder").post(f"{base(incident)}tasks/{task.id}/complete/")

    assert response.status_code == 404
    assert IncidentTask.objects.get(pk=task.pk).done_at is None


def test_another_agency_gets_404_on_every_task_endpoint(
    api, as_role, incident, playbook, outsider
) -> None:
    apply(as_role("responder"), incident, playbook)
    task = IncidentTask.objects.filter(incident=incident).first()
    client = api(outsider.member("owner").user)
    foreign_playbook = PlaybookFactory(organisation=outsider.org)

    for slug in ("alpha", "omega"):
        root = base(incident, slug)
        assert client.get(f"{root}tasks/").status_code == 404
        assert client.get(f"{root}tasks/{task.id}/").status_code == 404
        for action in ("complete", "reopen", "assign"):
            assert client.post(f"{root}tasks/{task.id}/{action}/", {}).status_code == 404
        assert client.get(f"{root}suggested-playbooks/").status_code == 404
        response = client.post(
            f"{root}apply-playbook/", {"playbook": foreign_playbook.id}, format="json"
        )
        assert response.status_code == 404
    assert IncidentTask.objects.filter(done_at__isnull=False).count() == 0
    assert AppliedPlaybook.objects.count() == 1


def test_brand_limited_members_do_not_reach_other_brands_tasks(
    api, as_role, agency, playbook
) -> None:
    theirs = IncidentFactory(brand=agency.other_brand)
    apply(as_role("responder"), theirs, playbook)
    task = IncidentTask.objects.filter(incident=theirs).first()
    limited = MembershipFactory(organisation=agency.org, role="manager")
    limited.brands.set([agency.brand])
    client = api(limited.user)

    assert client.get(f"{base(theirs)}tasks/").status_code == 404
    assert client.post(f"{base(theirs)}tasks/{task.id}/complete/").status_code == 404
    assert apply(client, theirs, playbook).status_code == 404


def test_task_list_query_count_does_not_grow_with_tasks(
    as_role, agency, incident, django_assert_max_num_queries
) -> None:
    client = as_role("viewer")
    apply(as_role("responder"), incident, PlaybookFactory(organisation=agency.org, steps=1))
    with django_assert_max_num_queries(10) as few:
        client.get(f"{base(incident)}tasks/")
    baseline = len(few.captured_queries)  # read now: each request resets the query log
    for _ in range(4):
        playbook = PlaybookFactory(organisation=agency.org, steps=6)
        apply(as_role("responder"), incident, playbook)
    for task in IncidentTask.objects.filter(incident=incident)[:10]:
        as_role("responder").post(f"{base(incident)}tasks/{task.id}/complete/")

    with django_assert_max_num_queries(baseline):
        response = client.get(f"{base(incident)}tasks/")

    assert response.json()["counts"]["total"] == 25
