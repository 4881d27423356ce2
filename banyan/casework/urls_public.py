"""Pages for residents without an account (namespace `intake`): QR form and tracking."""

from .views import public

app_name = "intake"

urlpatterns = [*public.urlpatterns]
