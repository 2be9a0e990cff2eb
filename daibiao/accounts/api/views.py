from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from ..choices import Role


class LoginRateThrottle(AnonRateThrottle):
    scope = "login"


class TokenView(ObtainAuthToken):
    """``POST {"username", "password"}`` → ``{"token": "…"}``. Failures count towards the
    same lock-out as the login page (per account and address)."""

    throttle_classes = [LoginRateThrottle]

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # Axes marks the request when the account is locked for this address; say so
            # plainly instead of "wrong password", as the login page does.
            if getattr(request, "axes_locked_out", False) or getattr(
                request._request, "axes_locked_out", False
            ):
                return Response(
                    {
                        "detail": gettext(
                            "Too many failed logins: this account is locked for this address for 15 minutes."
                        )
                    },
                    status=429,
                )
            raise


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField(source="get_full_name")
    roles = serializers.SerializerMethodField()
    county = serializers.IntegerField(source="county_id", allow_null=True)
    town = serializers.IntegerField(source="town_id", allow_null=True)
    unit = serializers.IntegerField(source="unit_id", allow_null=True)
    station = serializers.IntegerField(source="station_id", allow_null=True)
    deputy = serializers.IntegerField(source="deputy_id", allow_null=True)

    def get_roles(self, user) -> list[str]:
        roles = set(user.roles)
        if user.is_superuser:
            roles.add(Role.ADMIN)
        return sorted(roles)


class MeView(APIView):
    """The current user: who, which roles, and what they are bound to."""

    scoped = True  # reads only request.user; see tests/test_views_are_scoped.py

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


TokenView = extend_schema(
    request=inline_serializer(
        "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
    ),
    responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
)(TokenView)
