"""The closed loop's API: clues and suggestions, and one POST endpoint per step."""

from django.db.models import Prefetch
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action

# DRF's: a malformed id (``/clues/x/``) is a 404 like a missing one, not a ValueError.
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from daibiao.core.api import ScopedGenericViewSet
from daibiao.core.documents import file_response
from daibiao.core.drf import KeysetPagination, whole_number_param
from daibiao.core.files import serve
from daibiao.core.openapi import stored_file_responses
from daibiao.core.scoping import Action
from daibiao.registry.models import Deputy, Town

from .. import services, workflow
from ..documents import assignment_letter
from ..errors import Conflict, Invalid, StepRefused
from ..filtersets import ClueFilterSet, SuggestionFilterSet
from ..models import Assignment, Attachment, Clue, Extension, Rating, Reply, Suggestion
from ..views import take_up_reach
from . import serializers as s

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def refused(exc: StepRefused, request) -> Response:
    """403, 409 (with the state and the steps allowed now) or 400 (field errors)."""
    if isinstance(exc, Invalid):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    body = {"detail": exc.message}
    if isinstance(exc, Conflict) and exc.suggestion is not None:
        exc.suggestion.refresh_from_db()
        body["state"] = exc.suggestion.state
        body["allowed_steps"] = [
            x.replace("_", "-") for x in services.allowed_steps(exc.suggestion, request.user)
        ]
    return Response(body, status=exc.status)


class ClueViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """Problem clues. ``title`` and ``content`` are enough: the recording deputy and the town
    come from the user."""

    queryset = Clue.objects.select_related("town", "recorded_by").prefetch_related("attachments")
    serializer_class = s.ClueSerializer
    filterset_class = ClueFilterSet
    ordering_fields = ["occurred_on", "id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = self.request.user
        town = data.pop("town", None) or (user.deputy.town if user.deputy_id else None) or user.town
        if town is None:
            raise exceptions.ValidationError({"town": [gettext("Say which town the clue comes from.")]})
        try:
            serializer.instance = services.create_clue(actor=user, town=town, **data)
        except Invalid as exc:
            raise exceptions.ValidationError(exc.errors) from exc
        except StepRefused as exc:
            raise exceptions.PermissionDenied(exc.message) from exc

    def _close(self, request, pk, input_class, func, field):
        clue = self.get_object()
        data = input_class(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            func(clue, actor=request.user, **{field: data.validated_data[field]})
        except StepRefused as exc:
            return refused(exc, request)
        return Response(s.ClueSerializer(clue, context={"request": request}).data)

    @extend_schema(request=s.CluePhotosSerializer, responses=s.ClueSerializer)
    @action(detail=True, methods=["post"], url_path="photos")
    def photos(self, request, pk=None):
        """Add photos (multipart ``photos``) to a clue; whoever may change the clue."""
        clue = self.get_object()
        data = s.CluePhotosSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.add_clue_photos(clue, actor=request.user, photos=data.validated_data.get("photos", []))
        except StepRefused as exc:
            return refused(exc, request)
        clue = self.get_queryset().get(pk=clue.pk)
        return Response(s.ClueSerializer(clue, context={"request": request}).data)

    @extend_schema(request=s.ClueOutcomeSerializer, responses=s.ClueSerializer)
    @action(detail=True, methods=["post"], url_path="solve")
    def solve(self, request, pk=None):
        return self._close(request, pk, s.ClueOutcomeSerializer, services.solve_clue_on_spot, "outcome")

    @extend_schema(request=s.ClueDismissSerializer, responses=s.ClueSerializer)
    @action(detail=True, methods=["post"], url_path="dismiss")
    def dismiss(self, request, pk=None):
        return self._close(request, pk, s.ClueDismissSerializer, services.dismiss_clue, "reason")

    @extend_schema(
        request=s.TakeUpSerializer,
        responses={
            200: s.ClueSerializer,
            400: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            409: OpenApiTypes.OBJECT,
        },
    )
    @action(detail=True, methods=["post"], url_path="take-up", url_name="take-up")
    def take_up(self, request, pk=None):
        """Take up a citizen's clue (接办): a deputy of the station where it was raised, or the
        presidium handing it to ``deputy``. 404 out of reach (what the user reads, and for a
        deputy the citizens' clues of the station); 409 when taken up already or not open."""
        clue = get_object_or_404(take_up_reach(request.user).select_related("town"), pk=pk)
        data = s.TakeUpSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            services.take_up_clue(clue, actor=request.user, deputy=data.validated_data.get("deputy"))
        except StepRefused as exc:
            return refused(exc, request)
        clue = self.get_queryset().get(pk=clue.pk)
        return Response(s.ClueSerializer(clue, context={"request": request}).data)


def _step(url_path, input_class, func, *, name=None, arg_map=None):
    """An endpoint ``POST …/{id}/<url_path>/`` that validates ``input_class`` and calls the
    service ``func``; refusals become 400/403/409."""

    def endpoint(self, request, pk=None):
        suggestion = self.get_object()
        data = input_class(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        kwargs = dict(data.validated_data)
        for old, new in (arg_map or {}).items():
            kwargs[new] = kwargs.pop(old)
        try:
            func(suggestion, actor=request.user, **kwargs)
        except StepRefused as exc:
            return refused(exc, request)
        # A unit that returned the item no longer sees it: answer with the item as the step
        # left it, which is what the unit just acted on.
        fresh = self.get_queryset().filter(pk=suggestion.pk).first() or Suggestion.objects.get(
            pk=suggestion.pk
        )
        return Response(s.SuggestionSerializer(fresh, context={"request": request}).data)

    endpoint.__name__ = name or url_path.replace("-", "_")
    endpoint = action(detail=True, methods=["post"], url_path=url_path, url_name=url_path)(endpoint)
    return extend_schema(request=input_class, responses={200: s.SuggestionSerializer})(endpoint)


class SuggestionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedGenericViewSet
):
    """Suggestions, with ``allowed_steps`` for the current user and one endpoint per step."""

    queryset = Suggestion.objects.select_related("town", "lead_deputy", "lead_unit").prefetch_related(
        "co_signers",
        "clues",
        "extensions",
        "ratings",
        "attachments",
        Prefetch("replies", queryset=Reply.objects.prefetch_related("attachments")),
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit")),
    )
    serializer_class = s.SuggestionSerializer
    filterset_class = SuggestionFilterSet
    ordering_fields = ["id", "deadline", "state_entered_at"]
    # ``?page=`` as everywhere, or ``?cursor=`` for pages as cheap at depth 100,000 as at 0.
    pagination_class = KeysetPagination

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":
            return queryset
        # A page of 50 shows its town, deputies, unit, clues and co-signers by id only, and
        # reads of extensions and ratings only what ``allowed_steps`` asks: building whole rows
        # that nobody reads was a good part of a page's time (bench/province.py).
        return (
            queryset.select_related(None)
            .prefetch_related(None)
            .prefetch_related(
                Prefetch("co_signers", queryset=Deputy.objects.only("id")),
                Prefetch("clues", queryset=Clue.objects.only("id", "suggestion")),
                Prefetch("extensions", queryset=Extension.objects.only("id", "suggestion", "state")),
                Prefetch("ratings", queryset=Rating.objects.only("id", "suggestion", "deputy", "round")),
                "attachments",
                Prefetch("replies", queryset=Reply.objects.prefetch_related("attachments")),
                Prefetch("assignments", queryset=Assignment.objects.select_related("unit")),
            )
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        clues = data.pop("clues", [])
        co_signers = data.pop("co_signers", [])
        town = data.pop("town", None)
        if (
            town is not None
            and not Town.objects.restrict(self.request.user, Action.VIEW).filter(pk=town.pk).exists()
        ):
            raise exceptions.ValidationError({"town": [gettext("Unknown town.")]})
        try:
            serializer.instance = services.create_suggestion(
                actor=self.request.user, clues=clues, co_signers=co_signers, town=town, **data
            )
        except Invalid as exc:
            raise exceptions.ValidationError(exc.errors) from exc
        except StepRefused as exc:
            raise exceptions.PermissionDenied(exc.message) from exc

    @extend_schema(
        parameters=[OpenApiParameter("unit", int, description="The unit the letter is addressed to.")],
        responses={(200, DOCX_TYPE): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="letter")
    def letter(self, request, pk=None):
        """The assignment letter (交办函) to one of the suggestion's units, as .docx."""
        suggestion = self.get_object()
        assignments = suggestion.assignments.exclude(state="returned").select_related("unit")
        if request.user.unit_id and not (services.roles_of(request.user) & workflow.STAFF):
            assignments = assignments.filter(unit_id=request.user.unit_id)
        unit = whole_number_param(request, "unit")
        assignment = assignments.filter(unit_id=unit).first() if unit is not None else assignments.first()
        if assignment is None:
            raise exceptions.NotFound()
        content = assignment_letter(suggestion, assignment)
        name = f"交办函-{suggestion.pk}-{assignment.unit.name}.docx"
        return file_response(content, name, DOCX_TYPE)

    @extend_schema(responses=s.EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # the whole history, a list
    def timeline(self, request, pk=None):
        suggestion = self.get_object()
        events = suggestion.events.order_by("created_at", "id")
        return Response(s.EventSerializer(events, many=True).data)

    submit = _step("submit", s.EmptySerializer, services.submit_suggestion)
    assign = _step("assign", s.AssignSerializer, services.assign_suggestion)
    transfer = _step("transfer", s.TransferSerializer, services.transfer_suggestion)
    acknowledge = _step("acknowledge", s.EmptySerializer, services.acknowledge_suggestion)
    return_ = _step("return", s.ReasonSerializer, services.return_suggestion, name="return_")
    progress = _step("progress", s.ProgressSerializer, services.report_progress)
    request_extension = _step("request-extension", s.ExtensionSerializer, services.request_extension)
    decide_extension = _step("decide-extension", s.DecideExtensionSerializer, services.decide_extension)
    co_opinion = _step("co-opinion", s.TextSerializer, services.send_co_opinion)
    reply = _step("reply", s.ReplyInputSerializer, services.reply_to_suggestion)
    reclassify = _step("reclassify", s.ReclassifySerializer, services.reclassify_reply)
    rate = _step("rate", s.RateSerializer, services.rate_reply)
    conclude = _step("conclude", s.ConcludeSerializer, services.conclude_suggestion)
    verify_implemented = _step("verify-implemented", s.EvidenceSerializer, services.verify_implemented)
    look_back = _step("look-back", s.FindingSerializer, services.look_back)
    urge = _step("urge", s.UrgeSerializer, services.urge_suggestion)
    withdraw = _step("withdraw", s.WithdrawSerializer, services.withdraw_suggestion)
    merge = _step("merge", s.MergeSerializer, services.merge_suggestion)


class AttachmentViewSet(mixins.RetrieveModelMixin, ScopedGenericViewSet):
    """Files kept with clues and suggestions: their details, and ``download/`` for the bytes.
    Whoever sees the clue or suggestion a file belongs to may fetch it; for others it is 404."""

    queryset = Attachment.objects.all()
    serializer_class = s.AttachmentSerializer

    @extend_schema(responses=stored_file_responses())
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        return serve(self.get_object(), inline=False)
