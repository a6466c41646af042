"""Post-mortems: the prefill against a hand-built incident, every workflow step and refusal,
closing on approval, reminders sent once, exports for the client without internal notes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import IncidentEvent, Status
from incidents.monitoring.models import Mention, MentionBucket
from incidents.postmortems import services as pm_services
from incidents.postmortems.models import ActionItem, PostMortem
from incidents.postmortems.selectors import postmortem_prefill
from tests.factories import IncidentEventFactory, IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def test_prefill_against_a_hand_built_incident(agency) -> None:
    # sev2 targets: acknowledge 30 min, first response 120 min, resolve 48 h.
    incident = IncidentFactory(
        brand=agency.brand,
        severity="sev2",
        status=Status.RESOLVED,
        detected_at=T0,
        acknowledged_at=T0 + timedelta(minutes=20),
        first_response_at=T0 + timedelta(minutes=150),
        resolved_at=T0 + timedelta(hours=3, minutes=30),
    )

    def e(event_kind: str, **payload: object) -> None:
        IncidentEventFactory(incident=incident, kind=event_kind, payload=payload)

    e("created", severity="sev2")
    e("acknowledged", **{"from": "detected", "to": "acknowledged"})
    e("note", text="internal only")
    e("playbook_applied", playbook=1, task_count=4)
    e("task_done", task=1, title="Confirm facts", late=False)
    e("task_done", task=2, title="Holding statement", late=True)
    e("task_done", task=3, title="Reply to threads", late=False)
    e("task_reopened", task=3, title="Reply to threads")
    e("response_approved", response=7, waited_seconds=600)
    e("response_approved", response=8, waited_seconds=1800)
    e("response_published", response=7, url="https://vk.com/wall-1_2")
    e("sla_breached", kind="first_response")
    e("status_changed", **{"from": "monitoring", "to": "resolved"})
    # Mention volume: 2 per hour the day before, 30 then 10 in the incident's hours, 4 after.
    rows = [(T0 - timedelta(hours=h), 2, 0) for h in range(1, 25)]
    rows += [(T0 + timedelta(minutes=5), 30, 24), (T0 + timedelta(hours=2, minutes=10), 10, 6)]
    rows += [(T0 + timedelta(hours=5), 4, 1)]
    MentionBucket.objects.bulk_create(
        MentionBucket(
            organisation=agency.org, brand=agency.brand, bucket_start=at, total=t, negative=n
        )
        for at, t, n in rows
    )
    for n, (platform, label) in enumerate(
        [("vk", "negative"), ("vk", "negative"), ("x", "neutral"), ("telegram", "negative")]
    ):
        Mention.objects.create(
            organisation=agency.org,
            brand=agency.brand,
            platform=platform,
            external_id=str(n),
            text="t",
            posted_at=T0,
            sentiment_label=label,
            incident=incident,
        )

    prefill = postmortem_prefill(incident=incident)

    assert prefill["metrics"]["tta"] == {
        "seconds": 1200.0,
        "target_seconds": 1800,
        "within_sla": True,
    }
    assert prefill["metrics"]["ttfr"] == {
        "seconds": 9000.0,
        "target_seconds": 7200,
        "within_sla": False,
    }
    assert prefill["metrics"]["ttr"]["within_sla"] is True
    assert [t["kind"] for t in prefill["timeline"]] == [
        "created",
        "acknowledged",
        "playbook_applied",
        "response_published",
        "sla_breached",
        "status_changed",
    ]
    assert prefill["tasks"] == {
        "total": 4,
        "done": 2,
        "late": 1,
        "late_titles": ["Holding statement"],
        "skipped": 2,
        "not_due": 0,
    }
    assert prefill["approvals"] == {
        "count": 2,
        "median_wait_seconds": 1200.0,
        "max_wait_seconds": 1800.0,
    }
    mentions = prefill["mentions"]
    assert mentions["phases"]["before"] == {
        "hours": 24,
        "total": 48,
        "negative": 0,
        "negative_share": 0.0,
        "per_hour": 2.0,
    }
    # during: hours 10:00..13:00 (4 hour slots): 40 mentions, 30 negative
    assert mentions["phases"]["during"] == {
        "hours": 4,
        "total": 40,
        "negative": 30,
        "negative_share": 0.75,
        "per_hour": 10.0,
    }
    assert mentions["phases"]["after"]["total"] == 4
    assert mentions["peak_hour"] == {"hour": "2026-05-04T10:00:00Z", "total": 30}
    assert mentions["linked_total"] == 4
    assert mentions["linked_negative_share"] == 0.75
    assert mentions["top_platforms"][0] == {"platform": "vk", "count": 2}
    assert prefill["responses_published"] == 1
    assert prefill["sla_breaches"] == ["first_response"]
    assert "internal only" not in str(prefill)


def resolve(agency, *, drill: bool = False):
    responder = agency.member("responder")
    incident = services.incident_create(
        brand=agency.brand,
        title="Жалобы на доставку",
        severity="sev2",
        by=responder,
        teams=[agency.team],
        is_drill=drill,
    )
    services.incident_acknowledge(incident=incident, by=responder)
    services.incident_transition(incident=incident, status="resolved", by=responder)
    return incident, PostMortem.objects.get(incident=incident)


def fill(client, postmortem) -> None:
    response = client.patch(
        f"/api/v1/orgs/alpha/postmortems/{postmortem.id}/",
        {
            "summary": "Курьерская служба сорвала сроки",
            "root_cause": "Сбой у подрядчика",
            "lessons": "Резервный подрядчик",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()


def test_resolving_drafts_one_postmortem_prefilled(agency) -> None:
    incident, postmortem = resolve(agency)
    assert postmortem.status == "draft"
    assert postmortem.author == agency.member("responder")  # the commander
    assert postmortem.prefill["metrics"]["tta"]["seconds"] is not None
    assert IncidentEvent.objects.filter(incident=incident, kind="postmortem_drafted").count() == 1
    _, drill = resolve(agency, drill=True)
    assert drill.is_drill is True


def test_the_whole_workflow_closes_the_incident(as_role, agency) -> None:
    incident, postmortem = resolve(agency)
    responder, manager = as_role("responder"), as_role("manager")
    url = f"/api/v1/orgs/alpha/postmortems/{postmortem.id}/"
    fill(responder, postmortem)
    assert responder.post(url + "submit/").json()["status"] == "in_review"
    assert responder.patch(url, {"summary": "late edit"}, format="json").status_code == 409
    changes = manager.post(
        url + "request-changes/", {"comments": "Добавьте цифры охвата"}, format="json"
    )
    assert changes.json()["status"] == "changes_requested"
    assert changes.json()["review_comments"][0]["text"] == "Добавьте цифры охвата"
    # When, as every time of the API: ISO 8601 in UTC written with "Z".
    assert changes.json()["review_comments"][0]["at"].endswith("Z")
    fill(responder, postmortem)
    responder.post(url + "submit/")
    approved = manager.post(url + "approve/")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    assert incident.closed_at is not None
    kinds = list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds[-5:] == [
        "postmortem_submitted",
        "postmortem_changes_requested",
        "postmortem_submitted",
        "postmortem_approved",
        "status_changed",
    ]


def test_refusals(as_role, agency) -> None:
    _, postmortem = resolve(agency)
    url = f"/api/v1/orgs/alpha/postmortems/{postmortem.id}/"
    assert as_role("viewer").post(url + "submit/").status_code == 403
    assert as_role("viewer").patch(url, {"summary": "x"}, format="json").status_code == 403
    assert as_role("manager").post(url + "submit/").status_code == 403  # not author nor commander
    assert as_role("responder").post(url + "submit/").status_code == 400  # empty sections
    fill(as_role("responder"), postmortem)
    assert as_role("manager").post(url + "approve/").status_code == 409  # not in review yet
    as_role("responder").post(url + "submit/")
    assert as_role("responder").post(url + "approve/").status_code == 403  # a responder
    assert (
        as_role("manager")
        .post(url + "request-changes/", {"comments": " "}, format="json")
        .status_code
        == 400
    )


def test_nobody_approves_their_own_postmortem(as_role, agency) -> None:
    _, postmortem = resolve(agency)
    postmortem.author = agency.member("manager")
    postmortem.save()
    client = as_role("manager")
    fill(client, postmortem)
    assert client.post(f"/api/v1/orgs/alpha/postmortems/{postmortem.id}/submit/").status_code == 200
    refused = client.post(f"/api/v1/orgs/alpha/postmortems/{postmortem.id}/approve/")
    assert refused.status_code == 403
    assert "own" in refused.json()["detail"]
    assert (
        as_role("owner")
        .post(f"/api/v1/orgs/alpha/postmortems/{postmortem.id}/approve/")
        .status_code
        == 200
    )


def test_list_filters_waiting_for_my_review_and_search(
    as_role, agency, django_assert_max_num_queries
) -> None:
    _, first = resolve(agency)
    _, second = resolve(agency)
    fill(as_role("responder"), first)
    as_role("responder").post(f"/api/v1/orgs/alpha/postmortems/{first.id}/submit/")
    manager = as_role("manager")
    with django_assert_max_num_queries(6):
        body = manager.get("/api/v1/orgs/alpha/postmortems/?waiting_for_my_review=true").json()
    assert [p["id"] for p in body["results"]] == [first.id]
    assert [
        p["id"]
        for p in manager.get("/api/v1/orgs/alpha/postmortems/?status=draft").json()["results"]
    ] == [second.id]
    assert [
        p["id"]
        for p in manager.get("/api/v1/orgs/alpha/postmortems/?search=подрядчик").json()["results"]
    ] == [first.id]
    assert (
        as_role("responder")
        .get("/api/v1/orgs/alpha/postmortems/?waiting_for_my_review=true")
        .json()["results"]
        == []
    )


def test_action_items(as_role, agency, outsider) -> None:
    _, postmortem = resolve(agency)
    client = as_role("responder")
    url = f"/api/v1/orgs/alpha/postmortems/{postmortem.id}/action-items/"
    created = client.post(
        url,
        {
            "title": "Договор с резервным курьером",
            "owner": agency.member("manager").id,
            "due_date": "2026-01-10",
        },
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["overdue"] is True
    item_url = f"{url}{created.json()['id']}/"
    assert client.patch(item_url, {"status": "done"}, format="json").json()["completed_at"]
    assert (
        client.post(
            url, {"title": "x", "owner": outsider.member("owner").id}, format="json"
        ).status_code
        == 400
    )
    assert as_role("viewer").post(url, {"title": "x"}, format="json").status_code == 403
    assert client.delete(item_url).status_code == 204
    assert not ActionItem.objects.exists()


def test_reminders_are_sent_once_per_day(agency) -> None:
    _incident, postmortem = resolve(agency)
    agency.member("responder").user.email = "commander@example.com"
    agency.member("responder").user.save()
    now = timezone.now()
    assert pm_services.postmortem_reminders_send(now=now) == 0  # resolved just now
    later = now + timedelta(days=4)
    assert pm_services.postmortem_reminders_send(now=later) == 1
    assert pm_services.postmortem_reminders_send(now=later) == 0
    assert pm_services.postmortem_reminders_send(now=later + timedelta(days=1)) == 1
    item = pm_services.action_item_create(
        postmortem=postmortem,
        title="t",
        owner=agency.member("manager"),
        due_date=now.date() - timedelta(days=1),
    )
    assert pm_services.action_item_reminders_send(now=now) == 1
    assert pm_services.action_item_reminders_send(now=now) == 0
    assert item.pk


def test_client_export_leaves_out_internal_notes(as_role, agency) -> None:
    incident, postmortem = resolve(agency)
    services.incident_add_note(
        incident=incident, by=agency.member("responder"), text="SECRET internal remark"
    )
    fill(as_role("responder"), postmortem)
    client = as_role("manager")
    url = f"/api/v1/orgs/alpha/postmortems/{postmortem.id}/export/"
    internal = client.get(url, {"format": "md"})
    assert internal.status_code == 200
    assert internal["Content-Type"].startswith("text/markdown")
    assert "SECRET internal remark" in internal.content.decode()
    assert "Alpha" in internal.content.decode()
    for fmt in ("md", "html"):
        public = client.get(url, {"format": fmt, "audience": "client"}).content.decode()
        assert "SECRET internal remark" not in public
        assert "alpha-responder" not in public
        assert "alpha brand" in public
        assert "Резервный подрядчик" in public
    assert client.get(url, {"format": "pdf"}).status_code == 400
    from tenants.models import AuditEntry

    assert (
        AuditEntry.objects.filter(action="postmortem.exported", target=str(postmortem.id)).count()
        == 3
    )


def test_open_tasks_count_as_skipped_only_when_due_before_the_resolution() -> None:
    from incidents.postmortems.selectors import _tasks

    end = T0 + timedelta(hours=3)

    def due(hours: float) -> str:
        return (T0 + timedelta(hours=hours)).isoformat()

    applied = {
        "kind": "playbook_applied",
        "payload": {
            "task_count": 4,
            "tasks": [
                {"task": 1, "title": "Early", "due_at": due(1)},
                {"task": 2, "title": "Also early", "due_at": due(2)},
                {"task": 3, "title": "Tomorrow", "due_at": due(24)},
                {"task": 4, "title": "Done", "due_at": due(1)},
            ],
        },
    }
    done = {"kind": "task_done", "payload": {"task": 4, "title": "Done", "late": False}}
    facts = _tasks([applied, done], end)
    assert (facts["done"], facts["skipped"], facts["not_due"]) == (1, 2, 1)
