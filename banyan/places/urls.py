from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("nodes/<int:pk>/", views.node_detail, name="node-detail"),
    path("compounds/<int:pk>/", views.compound_detail, name="compound-detail"),
    path("buildings/<int:pk>/", views.building_detail, name="building-detail"),
]
