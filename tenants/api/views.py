from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from crisisdesk.core.throttling import ScopedRateThrottle, SignupThrottle
from crisisdesk.openapi import conflict
from tenants import accounts as tenants_accounts
from tenants import ownership, selectors, services, tokens
from tenants.api import serializers as s
from tenants.authentication import ApiTokenAuthentication
from tenants.models import AuditEntry, Brand, Invitation, Membership, Organisation, Role, Team
from tenants.tenancy import (
    AnonymousAPIView,
    AuthenticatedRequest,
    OrgAPIRequest,
    OrgScopedAPIView,
    OrgScopedViewSet,
    scoped_get,
)


class RegisterView(AnonymousAPIView):
    throttle_classes = [SignupThrottle]

    @extend_schema(
        summary="Create an account", request=s.RegisterSerializer, responses={201: s.UserSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = s.RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        tenants_accounts.email_verification_send(
            user=user, link_base=request.build_absolute_uri("/")
        )
        return Response(s.UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(AnonymousAPIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        summary="Sign in for an API token",
        examples=[
            OpenApiExample(
                "A laptop",
                value={
                    "username": "anna",
                    "password": "correct horse battery staple",
                    "name": "Anna's laptop",
                },
                request_only=True,
            )
        ],
        request=s.TokenRequestSerializer,
        responses={200: s.TokenResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        """A new token for this device (`name`, or the User-Agent), expiring; shown once."""
        # The plain HttpRequest, so that django-axes can flag a lockout that its middleware sees.
        serializer = s.TokenRequestSerializer(
            data=request.data, context={"request": request._request}
        )
        serializer.is_valid(raise_exception=True)
        name = serializer.validated_data.get("name") or request.headers.get("User-Agent", "")
        instance, token = tokens.api_token_issue(user=serializer.validated_data["user"], name=name)
        return Response({"token": token, "expiry": instance.expiry, "id": instance.public_id})


class LogoutView(APIView):
    """Revoke the token this request presents."""

    authentication_classes = [ApiTokenAuthentication]

    @extend_schema(summary="Revoke the token of this request", request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The signed-in user's working tokens (never the tokens themselves)."""

    @extend_schema(summary="List your API tokens", responses=s.ApiTokenSerializer(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        rows = tokens.api_token_list(user=request.user)
        current = getattr(request.auth, "digest", None)
        return Response(s.ApiTokenSerializer(rows, many=True, context={"current": current}).data)


class TokenDetailView(APIView):
    @extend_schema(summary="Revoke one of your API tokens", request=None, responses={204: None})
    def delete(self, request: AuthenticatedRequest, token_id: str) -> Response:
        """Revoke one of your tokens (another device, a lost laptop)."""
        tokens.api_token_revoke(user=request.user, public_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(summary="Get the signed-in user and their memberships", responses=s.MeSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        user = request.user
        memberships = selectors.user_memberships(user=user)
        data = s.UserSerializer(user).data
        data["memberships"] = s.MyMembershipSerializer(memberships, many=True).data
        data["email_verified"] = tenants_accounts.email_is_verified(user=user)
        return Response(data)


class WsTicketView(APIView):
    @extend_schema(
        summary="Get a one-time WebSocket ticket", request=None, responses={201: s.TicketSerializer}
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        ticket = services.ws_ticket_issue(by=request.user)
        return Response(
            {"ticket": ticket, "expires_in": int(settings.WS_TICKET_TTL.total_seconds())},
            status=status.HTTP_201_CREATED,
        )


class InvitationAcceptView(APIView):
    @extend_schema(
        summary="Accept an invitation",
        request=None,
        responses={
            **conflict(
                "The invitation was already used or has expired, or you are already a member."
            ),
            200: s.MyMembershipSerializer,
        },
    )
    def post(self, request: AuthenticatedRequest, token: str) -> Response:
        membership = services.invitation_accept(token=token, by=request.user)
        return Response(s.MyMembershipSerializer(membership).data)


@extend_schema_view(
    get=extend_schema(summary="List your organisations"),
    post=extend_schema(
        summary="Create an organisation (agency)",
        responses={201: s.OrganisationCreatedSerializer},
    ),
)
class OrganisationListView(generics.ListCreateAPIView):
    """The organisations you belong to; creating one makes you its owner."""

    serializer_class = s.OrganisationSerializer
    request: AuthenticatedRequest  # IsAuthenticated, the default, passed

    def get_queryset(self) -> QuerySet[Organisation]:
        if getattr(self, "swagger_fake_view", False):
            return Organisation.objects.none()
        return selectors.organisation_list_for_user(user=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if self.request.user.is_authenticated:
            context["roles"] = dict(
                Membership.objects.all_tenants()  # the user's own, across organisations
                .filter(user=self.request.user)
                .values_list("organisation_id", "role")
            )
        return context

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The response carries the webhook signing secret, shown only this once."""
        response = super().create(request, *args, **kwargs)
        response.data["webhook_secret"] = self._created.webhook_secret
        return response

    def perform_create(self, serializer: BaseSerializer[Organisation]) -> None:
        data = dict(serializer.validated_data)
        organisation = services.organisation_create(
            by=self.request.user, name=data.pop("name"), slug=data.pop("slug", None)
        )
        if data:
            # The member who acts is the owner membership organisation_create just made.
            owner = Membership.objects.all_tenants().get(
                organisation=organisation, user=self.request.user
            )
            services.organisation_update(organisation=organisation, by=owner, **data)
        serializer.instance = organisation
        serializer.context["roles"] = {organisation.id: Role.OWNER}
        self._created = organisation


# Alike InvitationViewSet.resend on purpose: an extend_schema with its own conflict and answer;
# deleting an organisation and resending an invitation share only DRF's schema shape.
class OrganisationDetailView(OrgScopedAPIView):
    action_roles = {"PATCH": Role.OWNER, "PUT": Role.OWNER, "DELETE": Role.OWNER}
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(
        summary="Delete the organisation",
        request=None,
        responses={
            **conflict("The organisation is already deleted."),
            202: s.OrganisationDeletedSerializer,
        },
    )
    def delete(self, request: OrgAPIRequest, org_slug: str) -> Response:
        """Delete the organisation: access is locked at once, rows are purged after the grace period."""
        organisation = ownership.organisation_soft_delete(
            organisation=request.organisation, by=request.membership
        )
        assert organisation.deleted_at is not None  # soft_delete sets it
        purge_at = organisation.deleted_at + timedelta(days=settings.ORGANISATION_PURGE_GRACE_DAYS)
        return Response(
            {"deleted_at": organisation.deleted_at, "purge_after": purge_at},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(summary="Get the organisation", responses=s.OrganisationSerializer)
    def get(self, request: OrgAPIRequest, org_slug: str) -> Response:
        return Response(
            s.OrganisationSerializer(request.organisation, context={"request": request}).data
        )

    @extend_schema(
        summary="Change the organisation",
        request=s.OrganisationUpdateSerializer,
        responses=s.OrganisationSerializer,
    )
    def patch(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = s.OrganisationUpdateSerializer(
            request.organisation, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_update(
            organisation=request.organisation, by=request.membership, **serializer.validated_data
        )
        return Response(s.OrganisationSerializer(organisation, context={"request": request}).data)


class OrganisationWebhookSecretView(OrgScopedAPIView):
    """A new webhook signing secret (owners; audited), shown in this response only."""

    action_roles = {"POST": Role.OWNER}
    http_method_names = ["post", "options"]

    @extend_schema(
        summary="Rotate the organisation's webhook secret",
        request=None,
        responses=s.WebhookSecretSerializer,
    )
    def post(self, request: OrgAPIRequest, org_slug: str) -> Response:
        secret = services.organisation_rotate_webhook_secret(
            organisation=request.organisation, by=request.membership
        )
        return Response({"webhook_secret": secret})


class OrganisationExportView(OrgScopedAPIView):
    """All of the organisation's data as one streamed JSON document (owners; audited)."""

    read_role = Role.OWNER

    @extend_schema(
        summary="Export the organisation's data", responses={(200, "application/json"): dict}
    )
    def get(self, request: OrgAPIRequest, org_slug: str) -> StreamingHttpResponse:
        stream = ownership.organisation_export_stream(
            organisation=request.organisation, by=request.membership
        )
        response = StreamingHttpResponse(stream, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{org_slug}-export.json"'
        return response


@extend_schema_view(
    destroy=extend_schema(
        responses={
            204: None,
            **conflict("This brand has incidents; their timeline cannot be deleted."),
        }
    )
)
class BrandViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    """Client brands. Managers see the ingest id; the secret is shown on creation and rotation only."""

    scoped_model = Brand
    serializer_class = s.BrandSerializer
    client_actions = frozenset({"list", "retrieve"})
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Brand]:
        return selectors.brand_list(membership=self.membership)

    @extend_schema(
        summary="Create a brand (its ingest secret is shown once)",
        responses={201: s.BrandWithSecretSerializer},
    )
    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        brand, secret = services.brand_create(
            organisation=self.organisation, **serializer.validated_data
        )
        brand.ingest_secret = secret
        return Response(
            s.BrandWithSecretSerializer(brand, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        brand = self.get_object()
        serializer = self.get_serializer(brand, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        brand = services.brand_update(
            brand=brand, default_teams=data.pop("default_teams", None), **data
        )
        return Response(self.get_serializer(brand).data)

    def perform_destroy(self, instance: Brand) -> None:
        services.brand_delete(brand=instance, by=self.request.membership)

    @extend_schema(
        summary="Rotate a brand's ingest secret", request=None, responses=s.BrandSecretSerializer
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        brand = self.get_object()
        secret = services.brand_rotate_secret(brand=brand, by=request.membership)
        return Response({"ingest_id": brand.ingest_id, "ingest_secret": secret})


# Alike BrandViewSet on purpose: DRF's viewset declaration (model, serializer, client reads,
# methods); a team has no ingest secret, so its create and update are its own.
class TeamViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    scoped_model = Team
    serializer_class = s.TeamSerializer
    client_actions = frozenset({"list", "retrieve"})
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self) -> QuerySet[Team]:
        return selectors.team_list(membership=self.membership)

    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = services.team_create(organisation=self.organisation, **serializer.validated_data)
        return Response(self.get_serializer(team).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        team = self.get_object()
        serializer = self.get_serializer(team, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        team = services.team_update(team=team, **serializer.validated_data)
        return Response(self.get_serializer(team).data)

    def perform_destroy(self, instance: Team) -> None:
        services.team_delete(team=instance)

    @extend_schema(
        summary="Add a member to a team", request=s.TeamMemberSerializer, responses=s.TeamSerializer
    )
    @action(detail=True, methods=["post"], url_path="members")
    def add_member(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        team = self.get_object()
        serializer = s.TeamMemberSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.team_member_add(team=team, membership=serializer.validated_data["membership"])
        return Response(self.get_serializer(scoped_get(self.get_queryset(), team.pk)).data)

    @extend_schema(summary="Remove a member from a team", request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"members/(?P<membership_id>[0-9]+)",
        url_name="remove-member",
    )
    def remove_member(
        self, request: OrgAPIRequest, org_slug: str, pk: str, membership_id: str
    ) -> Response:
        team = self.get_object()
        membership = scoped_get(selectors.member_list(membership=self.membership), membership_id)
        services.team_member_remove(team=team, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    destroy=extend_schema(responses={204: None, **conflict("The last owner cannot be removed.")})
)
class MemberViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet
):
    """Members and their roles. Only owners change roles or remove people."""

    scoped_model = Membership
    serializer_class = s.MemberSerializer
    write_role = Role.OWNER
    http_method_names = ["get", "patch", "delete", "head", "options"]
    # Client staff read the agency's contacts by display name (MemberContactSerializer).
    client_actions = frozenset({"list", "retrieve"})

    def scoped_queryset(self) -> QuerySet[Membership]:
        return selectors.member_list(membership=self.membership)

    def get_serializer_class(self) -> type:
        if getattr(self.request, "membership", None) is not None and self.membership.is_client:
            return s.MemberContactSerializer
        return s.MemberSerializer

    @extend_schema(
        responses={200: s.MemberSerializer, **conflict("The last owner cannot be demoted.")}
    )
    def partial_update(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        membership = self.get_object()
        serializer = self.get_serializer(membership, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.membership_update(
            membership=membership, by=request.membership, **serializer.validated_data
        )
        return Response(self.get_serializer(scoped_get(self.get_queryset(), membership.pk)).data)

    def perform_destroy(self, instance: Membership) -> None:
        services.membership_remove(membership=instance, by=self.request.membership)


class InvitationViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, OrgScopedViewSet):
    scoped_model = Invitation
    serializer_class = s.InvitationSerializer
    read_role = Role.OWNER
    write_role = Role.OWNER

    def scoped_queryset(self) -> QuerySet[Invitation]:
        return selectors.invitation_list(membership=self.membership)

    @extend_schema(
        summary="Invite someone to the organisation",
        request=s.InvitationCreateSerializer,
        responses={201: s.InvitationCreatedSerializer},
    )
    def create(self, request: OrgAPIRequest, org_slug: str) -> Response:
        serializer = s.InvitationCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        invitation, token = services.invitation_create(
            organisation=self.organisation,
            by=request.membership,
            link_base=request.build_absolute_uri("/"),
            **serializer.validated_data,
        )
        data = s.InvitationSerializer(invitation).data
        data["token"] = token
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send an invitation again",
        request=None,
        responses={
            **conflict("The invitation has already been used."),
            200: s.InvitationCreatedSerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def resend(self, request: OrgAPIRequest, org_slug: str, pk: str) -> Response:
        """Mail the invitation again with a new token (the old one stops working) and a new
        expiry; the new token is in this response, as at creation."""
        invitation, token = services.invitation_resend(
            invitation=self.get_object(),
            by=request.membership,
            link_base=request.build_absolute_uri("/"),
        )
        data = s.InvitationSerializer(invitation).data
        data["token"] = token
        return Response(data)


class AuditViewSet(mixins.ListModelMixin, OrgScopedViewSet):
    """Membership, role, approval and export history (owners only)."""

    scoped_model = AuditEntry
    serializer_class = s.AuditEntrySerializer
    read_role = Role.OWNER

    def scoped_queryset(self) -> QuerySet[AuditEntry]:
        return selectors.audit_list(membership=self.membership)


__all__ = [
    "AuditViewSet",
    "BrandViewSet",
    "InvitationAcceptView",
    "InvitationViewSet",
    "LogoutView",
    "MeView",
    "MemberViewSet",
    "OrganisationDetailView",
    "OrganisationListView",
    "OrganisationWebhookSecretView",
    "RegisterView",
    "TeamViewSet",
    "TokenDetailView",
    "TokenListView",
    "TokenView",
    "WsTicketView",
]
