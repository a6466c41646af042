"""API of the account flows: password reset (request, confirm) and email verification
(confirm a token, send the link again). The links in the emails open the web pages; these
endpoints serve clients that keep their own screens."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crisisdesk.core.throttling import AccountEmailThrottle, ScopedRateThrottle
from crisisdesk.openapi import conflict
from tenants import accounts
from tenants.tenancy import AnonymousAPIView, AuthenticatedRequest


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user_model = get_user_model()
        try:
            pk = force_str(urlsafe_base64_decode(attrs["uid"]))
            user = user_model._default_manager.get(pk=pk, is_active=True)
        except (TypeError, ValueError, OverflowError, user_model.DoesNotExist):
            user = None
        if user is None or not default_token_generator.check_token(user, attrs["token"]):
            raise serializers.ValidationError(
                {"token": ["This reset link is not valid or has expired."]}
            )
        try:
            validate_password(attrs["new_password"], user=user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"new_password": list(exc.messages)}) from exc
        attrs["user"] = user
        return attrs


class EmailVerifySerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class PasswordResetRequestView(AnonymousAPIView):
    """Mail a reset link; the same 202 whether or not an account has the address."""

    throttle_classes = [AccountEmailThrottle]

    @extend_schema(
        summary="Ask for a password-reset email",
        request=PasswordResetRequestSerializer,
        responses={202: None},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        accounts.password_reset_request(
            email=serializer.validated_data["email"], request=request._request
        )
        return Response(status=status.HTTP_202_ACCEPTED)


# Alike PasswordResetRequestView and EmailVerifyView on purpose: the DRF steps of an anonymous
# POST (validate, call, answer); each checks its own serializer and runs its own account step.
class PasswordResetConfirmView(AnonymousAPIView):
    """Set a new password with the uid and token of a reset link; every API token of the
    account is revoked."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        summary="Set a new password with a reset token",
        request=PasswordResetConfirmSerializer,
        responses={204: None},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        user.set_password(serializer.validated_data["new_password"])
        user.save(update_fields=["password"])
        accounts.password_reset_completed(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Alike PasswordResetConfirmView and InvitationAcceptView on purpose: its schema names its own
# conflict, and it answers the verified address where a password reset answers 204.
class EmailVerifyView(AnonymousAPIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        summary="Verify an email address",
        request=EmailVerifySerializer,
        responses={
            **conflict(
                "The link has expired, or was sent to an address the account no longer has."
            ),
            200: None,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = EmailVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = accounts.email_verify(token=serializer.validated_data["token"])
        return Response({"email": user.email, "email_verified": True})


class EmailVerificationResendView(APIView):
    throttle_classes = [AccountEmailThrottle]

    @extend_schema(summary="Send the verification email again", request=None, responses={202: None})
    def post(self, request: AuthenticatedRequest) -> Response:
        accounts.email_verification_send(
            user=request.user, link_base=request.build_absolute_uri("/")
        )
        return Response(status=status.HTTP_202_ACCEPTED)
