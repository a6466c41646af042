"""Forms of the tenant pages. They only parse and validate: every write goes to a service."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crisisdesk.core.outbound import OutboundRefused, check_url
from tenants import selectors
from tenants.models import Brand, MemberKind, Membership, Role, Team
from tenants.profiles import time_zone_names

User = get_user_model()


class PageForm(forms.Form):
    """Marks fields with errors (CSS) and required fields, for every page form."""

    error_css_class = "has-error"
    required_css_class = "is-required"


def set_queryset(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """The choices of a form's model field, read per request (what the member may see)."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def brands_field() -> forms.ModelMultipleChoiceField:
    """The brands a member (or an invitee) is limited to; the form sets the queryset."""
    return forms.ModelMultipleChoiceField(
        label=_("Limited to brands"),
        help_text=_("Leave all unticked for every brand (client staff need at least one)."),
        queryset=Brand.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class SignupForm(PageForm):
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[\w.@+-]+\Z",
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only."),
        error_messages={"invalid": _("Use only letters, digits and @ . + - _.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("A user with that username already exists."))
        return username

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(username=data.get("username", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(first, user=candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class OrganisationForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=60,
        required=False,
        help_text=_("Used in links: /o/<address>/. Leave empty to derive it from the name."),
    )


class ProfileForm(PageForm):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("As my browser")), *settings.LANGUAGES],
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name) for name in time_zone_names()]


# Alike OrganisationForm on purpose: a name and an optional slug, each labelled and explained
# for its own page (an organisation's address in links, a brand's short name).
class BrandForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        required=False,
        help_text=_("Letters, digits and hyphens. Leave empty to derive it from the name."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=[("ru", _("Russian")), ("en", _("English"))],
        widget=forms.CheckboxSelectMultiple,
        initial=["ru", "en"],
    )
    default_teams = forms.ModelMultipleChoiceField(
        label=_("Teams assigned to new incidents"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    require_client_approval = forms.BooleanField(
        label=_("The client approves responses too"), required=False
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "default_teams", selectors.team_list(membership=membership))


class StaffChoiceField(forms.ModelMultipleChoiceField):
    """Members, each labelled with their username and role."""

    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.get_username()} ({obj.get_role_display()})"


class TeamForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    members = StaffChoiceField(
        label=_("Members"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "members", selectors.staff_list(membership=membership))


class MemberForm(PageForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=MemberKind.choices,
        required=False,  # not sent: unchanged
        help_text=_(
            "Client staff see only what is meant for the client: status, severity and SLA "
            "of their brands' incidents, client-facing responses, the client post-mortem."
        ),
    )
    brands = brands_field()
    is_client_approver = forms.BooleanField(
        label=_("Approves responses for the client"), required=False
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "brands", selectors.brand_list(membership=membership))

    def clean_kind(self) -> str | None:
        return self.cleaned_data["kind"] or None


class InvitationForm(PageForm):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.RESPONDER)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=MemberKind.choices, initial=MemberKind.AGENCY, required=False
    )
    brands = brands_field()

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "brands", selectors.brand_list(membership=membership))

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or MemberKind.AGENCY


class WebhookForm(PageForm):
    webhook_url = forms.URLField(
        label=_("Webhook address"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_(
            "CrisisDesk POSTs signed JSON here when monitoring opens an incident or an SLA is "
            "breached. Leave empty for email only."
        ),
    )

    def clean_webhook_url(self) -> str:
        value = self.cleaned_data["webhook_url"]
        if value:
            try:
                check_url(value)
            except OutboundRefused as exc:
                raise forms.ValidationError(str(exc), code=exc.reason) from exc
        return value


def form_error(form: forms.Form, field: str | None, message: str) -> None:
    """Attach a refusal to the field it concerns (or to the form) in the user's language."""
    form.add_error(field if field in form.fields else None, gettext(message))
