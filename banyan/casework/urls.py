"""Staff pages of the service loop (namespace `casework`); each area lists its own routes."""

from .views import cases, meetings, visits

app_name = "casework"

urlpatterns = [*cases.urlpatterns, *visits.urlpatterns, *meetings.urlpatterns]
