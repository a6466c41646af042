"""Pages of duty rotas (/o/<org>/rotas/) and escalation policies (/o/<org>/escalation/): every
member sees who is on duty and how incidents climb; managers and owners change them."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crisisdesk.core.confirm import confirmation
from crisisdesk.core.exceptions import DomainError
from incidents.notifications import escalation
from incidents.notifications.models import (
    DutyRota,
    EscalationLevel,
    EscalationPolicy,
    RotaOverride,
)
from incidents.policies import may_manage_escalation
from tenants.forms import form_error
from tenants.models import Brand, Membership, Severity, Team
from tenants.selectors import staff_list
from tenants.tenancy import OrgRequest, org_page, scoped_get

LEVEL_ROWS = 4
TARGETS = [
    ("", "—"),
    (EscalationLevel.Target.ON_DUTY, gettext_lazy("The person on duty")),
    (EscalationLevel.Target.TEAM, gettext_lazy("The whole team")),
    (EscalationLevel.Target.BRAND_MANAGER, gettext_lazy("The brand's manager")),
    (EscalationLevel.Target.OWNERS, gettext_lazy("The owners")),
]


class RotaForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=gettext_lazy("Team"))
    members = forms.ModelMultipleChoiceField(
        queryset=Membership.objects.none(),
        label=gettext_lazy("On duty in turn"),
        widget=forms.CheckboxSelectMultiple,
    )
    rotation = forms.ChoiceField(
        label=gettext_lazy("Rotation"),
        choices=[
            (DutyRota.Rotation.WEEKLY, gettext_lazy("Weekly")),
            (DutyRota.Rotation.CUSTOM, gettext_lazy("Custom shifts")),
        ],
    )
    shift_hours = forms.IntegerField(
        label=gettext_lazy("Shift length, hours (custom)"),
        min_value=1,
        max_value=24 * 28,
        initial=12,
        required=False,
    )
    time_zone = forms.CharField(label=gettext_lazy("Time zone"), initial="Europe/Moscow")
    starts_at = forms.DateTimeField(
        label=gettext_lazy("First handover (local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.visible_to(membership)  # type: ignore[attr-defined]
        # The agency's staff only: a rota takes its team's members, never client staff.
        self.fields["members"].queryset = (  # type: ignore[attr-defined]
            staff_list(membership=membership).select_related("user")
        )
        self.fields["members"].label_from_instance = lambda m: m.user.get_username()  # type: ignore[attr-defined]


class _UsernameChoiceField(forms.ModelChoiceField):
    """A member, labelled with their username."""

    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.get_username()


class OverrideForm(forms.Form):
    """Someone of the team on duty for a span instead of the rotation (a swap, a holiday),
    in the rota's local time."""

    membership = _UsernameChoiceField(
        queryset=Membership.objects.none(), label=gettext_lazy("On duty instead")
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("From (local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Until (local time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, rota: DutyRota, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"override-{rota.id}")
        super().__init__(*args, **kwargs)
        self.rota = rota
        field = self.fields["membership"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = rota.team.members.select_related("user").order_by("user__username")


class PolicyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    brand = forms.ModelChoiceField(
        queryset=Brand.objects.none(), required=False, label=gettext_lazy("Brand (empty: any)")
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        choices=[("", gettext_lazy("Any")), *Severity.choices],
        required=False,
    )
    repeat = forms.IntegerField(label=gettext_lazy("Rounds"), min_value=1, max_value=10, initial=2)
    quiet_start = forms.TimeField(
        label=gettext_lazy("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    quiet_end = forms.TimeField(
        label=gettext_lazy("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    time_zone = forms.CharField(label=gettext_lazy("Time zone"), initial="Europe/Moscow")

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = Brand.objects.visible_to(membership)  # type: ignore[attr-defined]
        for i in range(LEVEL_ROWS):
            self.fields[f"level_{i}_target"] = forms.ChoiceField(
                label=_("Level %(n)s") % {"n": i + 1}, choices=TARGETS, required=i == 0
            )
            self.fields[f"level_{i}_delay"] = forms.IntegerField(
                label=_("after, minutes"), min_value=0, initial=[0, 10, 20, 30][i], required=False
            )

    def levels(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "target": data[f"level_{i}_target"],
                "delay_minutes": data.get(f"level_{i}_delay") or 0,
            }
            for i in range(LEVEL_ROWS)
            if data.get(f"level_{i}_target")
        ]


def _tz_aware(value: Any, zone_name: str) -> Any:
    """The wall time a person typed, read in the rota's (or policy's) zone. Django's form field
    has already made it aware in the request's zone: back to the wall time first."""
    zone = escalation.zone(zone_name)
    wall = value if timezone.is_naive(value) else timezone.make_naive(value)
    return wall.replace(tzinfo=zone)


@org_page()
def rotas(request: OrgRequest) -> HttpResponse:
    return _rotas(request)


def _rotas(
    request: OrgRequest, override_form: OverrideForm | None = None, status: int = 200
) -> HttpResponse:
    membership = request.membership
    posted = request.POST if request.method == "POST" and override_form is None else None
    form = RotaForm(posted, membership=membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            escalation.rota_save(
                team=data["team"],
                by=request.membership,
                member_ids=[m.id for m in data["members"]],
                starts_at=_tz_aware(data["starts_at"], data["time_zone"]),
                time_zone=data["time_zone"],
                rotation=data["rotation"],
                shift_hours=data.get("shift_hours") or 168,
            )
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(request, _("Rota saved."))
            return redirect("web:rotas", request.organisation.slug)
    now = timezone.now()
    rows = []
    names = {
        m.id: m.user.get_username()
        for m in Membership.objects.visible_to(membership).select_related("user")
    }
    can_manage = may_manage_escalation(membership)
    for rota in (
        DutyRota.objects.visible_to(membership).select_related("team").prefetch_related("overrides")
    ):
        on_duty = escalation.rota_on_duty(rota, now)
        zone = escalation.zone(rota.time_zone)
        overrides = [
            {
                "override": o,
                "name": names.get(o.membership_id, "?"),
                "starts": formats.date_format(
                    o.starts_at.astimezone(zone), "SHORT_DATETIME_FORMAT"
                ),
                "ends": formats.date_format(o.ends_at.astimezone(zone), "SHORT_DATETIME_FORMAT"),
                "current": o.starts_at <= now < o.ends_at,
            }
            for o in rota.overrides.all()
            if o.ends_at > now  # past ones no longer decide anything
        ]
        bound = override_form if override_form is not None and override_form.rota == rota else None
        rows.append(
            {
                "rota": rota,
                "on_duty": names.get(on_duty, "—") if on_duty else "—",
                "members": [names.get(i, "?") for i in rota.member_ids],
                "overrides": overrides,
                "override_form": (bound or OverrideForm(rota=rota)) if can_manage else None,
            }
        )
    return render(
        request,
        "notifications/rotas.html",
        {"form": form, "rows": rows, "can_manage": can_manage},
        status=400 if form.errors else status,
    )


@org_page()
@require_POST
def rota_override_add(request: OrgRequest, rota_pk: int) -> HttpResponse:
    """Managers put a member of the team on duty for a span; refusals beside the field."""
    rota = scoped_get(
        DutyRota.objects.visible_to(request.membership).select_related("team"), rota_pk
    )
    form = OverrideForm(request.POST, rota=rota)
    if form.is_valid():
        data = form.cleaned_data
        try:
            escalation.rota_override_add(
                rota=rota,
                membership=data["membership"],
                starts_at=_tz_aware(data["starts_at"], rota.time_zone),
                ends_at=_tz_aware(data["ends_at"], rota.time_zone),
            )
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(request, _("Override added."))
            return redirect("web:rotas", request.organisation.slug)
    return _rotas(request, override_form=form, status=400)


@org_page()
@require_POST
def rota_override_remove(request: OrgRequest, override_pk: int) -> HttpResponse:
    """Take an override off, after a confirmation saying who stops being on duty when."""
    override = scoped_get(
        RotaOverride.objects.visible_to(request.membership).select_related(
            "rota__team", "membership__user"
        ),
        override_pk,
    )
    zone = escalation.zone(override.rota.time_zone)
    ask = confirmation(
        request,
        title=_("Remove the override of %(person)s?")
        % {"person": override.membership.user.get_username()},
        consequence=_(
            "From %(start)s to %(end)s the rotation of %(team)s decides who is on duty again."
        )
        % {
            "start": formats.date_format(
                override.starts_at.astimezone(zone), "SHORT_DATETIME_FORMAT"
            ),
            "end": formats.date_format(override.ends_at.astimezone(zone), "SHORT_DATETIME_FORMAT"),
            "team": override.rota.team.name,
        },
        action=_("Remove the override"),
        cancel_url=reverse("web:rotas", args=[request.organisation.slug]),
    )
    if ask:
        return ask
    escalation.rota_override_remove(override=override)
    messages.success(request, _("Override removed."))
    return redirect("web:rotas", request.organisation.slug)


# Alike tenants/views.py:brands on purpose: a page form whose valid POST calls its own service
# with its own fields and messages.
@org_page()
def policies(request: OrgRequest) -> HttpResponse:
    membership = request.membership
    form = PolicyForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            escalation.policy_save(
                organisation=request.organisation,
                name=data["name"],
                brand=data["brand"],
                severity=data["severity"] or "",
                repeat=data["repeat"],
                quiet_start=data["quiet_start"],
                quiet_end=data["quiet_end"],
                time_zone=data["time_zone"],
                levels=form.levels(),
            )
        except DomainError as exc:
            form_error(form, exc.field, exc.translated)
        else:
            messages.success(request, _("Escalation policy saved."))
            return redirect("web:escalation-policies", request.organisation.slug)
    labels = dict(TARGETS)
    rows = [
        {
            "policy": policy,
            "levels": [
                {"target": labels.get(level.target, level.target), "delay": level.delay_minutes}
                for level in policy.levels.all()
            ],
        }
        for policy in EscalationPolicy.objects.visible_to(membership)
        .select_related("brand")
        .prefetch_related("levels")
    ]
    return render(
        request,
        "notifications/escalation.html",
        {"form": form, "rows": rows, "can_manage": may_manage_escalation(membership)},
        status=400 if form.errors else 200,
    )


@org_page()
@require_POST
def policy_delete(request: OrgRequest) -> HttpResponse:
    policy_pk = str(request.POST.get("policy", ""))
    policy = (
        EscalationPolicy.objects.visible_to(request.membership).filter(pk=policy_pk).first()
        if policy_pk.isdigit()
        else None
    )
    if policy is not None and request.POST.get("confirm") == "yes":
        escalation.policy_delete(policy=policy)
        messages.success(request, _("Escalation policy deleted."))
    return redirect("web:escalation-policies", request.organisation.slug)
