"""The routing API: category and lead-unit recommendations for a text; the search box."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, viewsets
from rest_framework.response import Response

from daibiao.core.api import ScopedAPIMixin
from daibiao.core.drf import Pagination, query_param
from daibiao.registry.models import Unit

from .. import services
from ..choices import SearchKind
from ..forms import SearchForm
from ..models import SearchDocument
from .serializers import (
    RoutingRequestSerializer,
    RoutingResponseSerializer,
    SearchHitSerializer,
    SearchResultsSerializer,
)


class RoutingViewSet(ScopedAPIMixin, viewsets.GenericViewSet):
    """Recommendations for the caller's county; the units named are only those in the
    caller's view scope (``get_queryset`` is the scoped unit list)."""

    queryset = Unit.objects.all()
    serializer_class = RoutingRequestSerializer
    pagination_class = None
    filter_backends = ()

    @extend_schema(request=RoutingRequestSerializer, responses={200: RoutingResponseSerializer})
    def suggest(self, request):
        """Ranked categories and lead units for a title and body, with scores and the words
        that weighed most."""
        serializer = RoutingRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        county = request.user.county
        if county is None:
            raise exceptions.PermissionDenied(_("Your account is bound to no county."))
        data = serializer.validated_data
        rec = services.recommend(county, data["title"], data["body"], k=data["k"], units=self.get_queryset())
        return Response(
            {
                "categories": [{"value": v, "label": label, "score": s} for v, label, s in rec.categories],
                "units": [{"id": u.pk, "name": u.name, "score": s} for u, s in rec.units],
                "reasons": rec.reasons,
                "trained": rec.trained,
            }
        )


class SearchPagination(Pagination):
    page_size = 20
    max_page_size = 100


class SearchAPIView(ScopedAPIMixin, generics.GenericAPIView):
    """``GET /api/v1/search/?q=&type=&town=&year=&page=``: the search box of the pages. The
    documents are ``SearchDocument.objects.restrict(user)``: each kind's records through its
    own scope."""

    queryset = SearchDocument.objects.all()
    serializer_class = SearchHitSerializer
    pagination_class = SearchPagination
    filter_backends = ()

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description=_("Words or numbers; every one must occur.")),
            OpenApiParameter("type", str, enum=SearchKind.values, description=_("Only this type.")),
            OpenApiParameter("town", int, description=_("Only records of this town.")),
            OpenApiParameter("year", int, description=_("Only records of this year.")),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description=_("At most 100; 20 by default.")),
        ],
        responses={200: SearchResultsSerializer},
    )
    def get(self, request):
        """Ranked, highlighted results; without ``q``, none."""
        form = SearchForm(request.query_params or None, user=request.user)
        for name in form.fields:
            query_param(request, name)
        if form.is_bound and not form.is_valid():
            raise exceptions.ValidationError({field: list(errors) for field, errors in form.errors.items()})
        self.paginator.check_parameters(request)
        if not form.is_bound or not form.cleaned_data["q"]:
            return Response({"count": 0, "next": None, "previous": None, "ranked": True, "results": []})
        results = form.search()
        page = self.paginate_queryset(results)
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data["ranked"] = results.ranked
        return response
