"""The search page: one box over everything the reader may see."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.views import generic

from daibiao.core.views import ScopedMixin

from .forms import SearchForm
from .models import SearchDocument

PAGE_SIZE = 20


class SearchView(ScopedMixin, generic.TemplateView):
    """``/search/?q=&type=&town=&year=&page=``: results ranked, highlighted, paged. The rows
    are ``SearchDocument.objects.restrict(user)``: each kind's records through its own
    scope (``routing.search``)."""

    model = SearchDocument
    template_name = "routing/search.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET or None, user=self.request.user)
        ctx["form"] = form
        if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
            results = form.search()
            paginator = Paginator(results, PAGE_SIZE)
            page = paginator.get_page(self.request.GET.get("page"))
            query = self.request.GET.copy()
            query.pop("page", None)
            ctx.update(
                results=results,
                searched=True,
                page_obj=page,
                paginator=paginator,
                is_paginated=page.has_other_pages(),
                hits=page.object_list,
                query_string=query.urlencode(),
            )
        return ctx
