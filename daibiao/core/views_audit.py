"""The county-wide change log, for county staff and administrators."""

import django_filters as filters
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView

from daibiao.accounts.choices import Role

from .models import ChangeAction, ChangeLog


class ChangeLogFilterSet(filters.FilterSet):
    action = filters.ChoiceFilter(label=_("Action"), choices=ChangeAction.choices)
    actor_name = filters.CharFilter(label=_("By"), lookup_expr="icontains")
    object_repr = filters.CharFilter(label=_("Record"), lookup_expr="icontains")
    since = filters.DateFilter(label=_("From"), field_name="timestamp", lookup_expr="date__gte")
    until = filters.DateFilter(label=_("To"), field_name="timestamp", lookup_expr="date__lte")

    class Meta:
        model = ChangeLog
        fields = ["action", "actor_name", "object_repr", "since", "until"]


class ChangeLogList(LoginRequiredMixin, UserPassesTestMixin, FilterView):
    """Every change in the county. Each record's own page shows its trail to whoever may see
    the record; this list of all of them is for county staff and administrators."""

    scoped = True
    model = ChangeLog
    filterset_class = ChangeLogFilterSet
    template_name = "core/changelog_list.html"
    paginate_by = 50

    def test_func(self):
        return self.request.user.has_role(Role.COUNTY_STAFF, Role.ADMIN)

    def get_queryset(self):
        return ChangeLog.objects.select_related("content_type")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx["query_string"] = query.urlencode()
        return ctx
