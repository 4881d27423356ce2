"""The site's URL conf plus the trivial view, for the benchmark's app server only.

/bench/ping is not part of the site itself: the benchmark serves this URL conf
(banyan.bench.wsgi), so production keeps exactly the routes of banyan.urls.
"""

from django.urls import path

from banyan.urls import urlpatterns as site

from . import views

urlpatterns = [path("bench/ping", views.ping, name="bench-ping"), *site]
