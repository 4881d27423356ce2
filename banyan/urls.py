from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from banyan.api.api import api
from banyan.common import views as common_views
from banyan.places import views as place_views

urlpatterns = [
    path("", place_views.home, name="home"),
    path("favicon.ico", common_views.favicon, name="favicon"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("banyan.accounts.urls")),
    path("places/", include("banyan.places.urls")),
    path("registry/", include("banyan.registry.urls")),
    path("cases/", include("banyan.casework.urls")),
    path("r/", include("banyan.casework.urls_public")),
    path("party/", include("banyan.party.urls")),
    path("open311/v2/", include("banyan.open311.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# Errors as pages in the site's layout, or in the API's and Open311's formats under theirs.
handler400 = "banyan.common.error_pages.bad_request"
handler403 = "banyan.common.error_pages.permission_denied"
handler404 = "banyan.common.error_pages.page_not_found"
handler500 = "banyan.common.error_pages.server_error"
