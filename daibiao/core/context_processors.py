from django.conf import settings


def navigation(request):
    """What every page's frame needs: the site title and the demo flag."""
    return {"site_title": settings.SITE_TITLE, "demo_mode": settings.DEMO_MODE}
