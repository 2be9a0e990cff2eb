"""The public API under /api/v1/public/: no authentication, rate-limited by the same limiter
as the pages (``portal.limits``), writes through ``suggestions.services.public`` only.

Reports need the same challenge as the form: ``GET challenge/`` hands out a question and a
token; ``POST clues/`` carries ``challenge_token`` and ``challenge_answer``."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from daibiao.core.audit import client_address
from daibiao.core.drf import query_param, whole_number_param
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy, LiaisonStation, StationDuty
from daibiao.suggestions.errors import Conflict, Invalid
from daibiao.suggestions.services import public

from .. import limits
from ..challenge import MAX_AGE, ChallengeFailed, check_challenge, new_challenge, use_challenge
from ..models import Kind
from ..views import quiet
from . import serializers as s

STATION_DUTY_DAYS = 14


class PortalThrottle(BaseThrottle):
    """DRF's throttle on the portal's limiter: the view's ``throttle_kind`` counts."""

    def allow_request(self, request, view):
        kind = getattr(view, "throttle_kind", None)
        if kind is None or request.method not in getattr(view, "throttle_methods", ("POST",)):
            return True
        try:
            limits.admit(client_address(request), kind)
        except limits.RateLimited as exc:
            request.portal_refusal = exc
            return False
        return True

    def wait(self):
        return None  # the refusal carries it (``PublicAPIView.throttled``)


class PublicAPIView:
    """No login, no session: public data only (``public = True``, see ``portal.views``)."""

    public = True
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (PortalThrottle,)
    throttle_kind: str | None = None
    throttle_methods = ("POST",)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return quiet(response) if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS else response

    def throttled(self, request, wait):
        refusal = getattr(request, "portal_refusal", None)
        if refusal is None:
            raise exceptions.Throttled(wait)
        raise exceptions.Throttled(wait=refusal.retry_after, detail=refusal.message)


def _invalid(exc: Invalid) -> Response:
    return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)


class ChallengeView(PublicAPIView, APIView):
    throttle_kind = Kind.CHALLENGE
    throttle_methods = ("GET",)

    @extend_schema(responses=s.ChallengeSerializer, summary="A question for the next report")
    def get(self, request):
        challenge = new_challenge()
        data = {
            "question": challenge.question,
            "token": challenge.token,
            "expires_in": int(MAX_AGE.total_seconds()),
        }
        return Response(s.ChallengeSerializer(data).data)


class ClueCreate(PublicAPIView, APIView):
    throttle_kind = Kind.CLUE

    @extend_schema(request=s.ClueInput, responses={201: s.TrackingCodeSerializer}, summary="Raise a problem")
    def post(self, request):
        serializer = s.ClueInput(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        deputy = data.get("deputy")
        if deputy is not None and deputy.status != DeputyStatus.SERVING:
            raise exceptions.ValidationError({"deputy": [_("This deputy no longer takes reports here.")]})
        station = data.get("station") or (deputy.station if deputy is not None else None)
        photos = data.get("photos") or []
        size = sum(p.size for p in photos)
        if size and size > limits.photo_bytes_left():
            raise exceptions.ValidationError(
                {"photos": [_("No more photos can be accepted today. Please send the report without them.")]}
            )
        try:
            nonce = check_challenge(data["challenge_token"], data["challenge_answer"])
            with transaction.atomic():
                use_challenge(nonce)
                clue = public.submit_public_clue(
                    content=data["content"],
                    village=data["village"],
                    station=station,
                    deputy=deputy,
                    category=data.get("category", ""),
                    contact_phone=data.get("contact_phone", ""),
                    photos=photos,
                )
        except ChallengeFailed as exc:
            return Response({"challenge_answer": [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
        except Invalid as exc:
            return _invalid(exc)
        limits.count_photos(client_address(request), size)
        return Response({"tracking_code": clue.tracking_code}, status=status.HTTP_201_CREATED)


PHONE_PARAM = OpenApiParameter(
    "phone_last4", str, description="The last four digits of the phone given with the report, if any."
)


class ClueProgress(PublicAPIView, APIView):
    throttle_kind = Kind.LOOKUP
    throttle_methods = ("GET",)

    @extend_schema(parameters=[PHONE_PARAM], responses=s.ProgressSerializer, summary="Follow a report")
    def get(self, request, code):
        clue = public.find_public_clue(code, query_param(request, "phone_last4", ""))
        if clue is None:
            raise exceptions.NotFound()
        return Response(s.ProgressSerializer(public.public_progress(clue)).data)


class ClueFeedback(PublicAPIView, APIView):
    throttle_kind = Kind.FEEDBACK

    @extend_schema(request=s.FeedbackInput, responses={201: s.FeedbackOutput}, summary="Was it solved?")
    def post(self, request, code):
        serializer = s.FeedbackInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        clue = public.find_public_clue(code, data.get("phone_last4", ""))
        if clue is None:
            raise exceptions.NotFound()
        try:
            feedback = public.record_citizen_feedback(
                clue, answer=data["answer"], comment=data.get("comment", "")
            )
        except Invalid as exc:
            return _invalid(exc)
        except Conflict as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return Response(
            s.FeedbackOutput({"answer": feedback.answer, "flagged": feedback.flagged}).data,
            status=status.HTTP_201_CREATED,
        )


class StationList(PublicAPIView, generics.ListAPIView):
    """Every liaison station: address, contact, serving deputies' names, the next two weeks'
    roster, and the links of its report form, QR code and poster. ``?town=`` filters."""

    serializer_class = s.PublicStationSerializer
    filter_backends = ()

    def get_queryset(self):
        today = timezone.localdate()
        rows = (
            LiaisonStation.objects.select_related("town")
            .prefetch_related(
                Prefetch(
                    "deputies",
                    queryset=Deputy.objects.filter(status=DeputyStatus.SERVING).order_by("name_pinyin", "id"),
                    to_attr="serving_deputies",
                ),
                Prefetch(
                    "duties",
                    queryset=StationDuty.objects.filter(
                        on_date__gte=today, on_date__lt=today + dt.timedelta(days=STATION_DUTY_DAYS)
                    )
                    .select_related("deputy")
                    .order_by("on_date", "period", "id"),
                    to_attr="upcoming",
                ),
            )
            .order_by("town__sort_order", "town_id", "id")
        )
        town = whole_number_param(self.request, "town")
        if town is not None:
            rows = rows.filter(town_id=town)
        return rows

    @extend_schema(parameters=[OpenApiParameter("town", int, description="A town's id.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReplyList(PublicAPIView, generics.ListAPIView):
    """Published replies, newest first; ``?search=`` in the titles and texts."""

    serializer_class = s.PublicReplySerializer
    filter_backends = ()

    def get_queryset(self):
        return public.search_public_replies(public.public_replies(), query_param(self.request, "search", ""))

    def get_serializer(self, *args, **kwargs):
        rows = args[0] if args else []
        kwargs.setdefault("context", self.get_serializer_context())
        kwargs["context"]["titles"] = public.public_titles(list(rows)) if rows else {}
        return self.serializer_class(*args, **kwargs)

    @extend_schema(parameters=[OpenApiParameter("search", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
