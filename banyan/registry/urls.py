from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("persons/", views.person_list, name="person-list"),
    path("households/", views.household_list, name="household-list"),
    path("households/new/", views.household_create, name="household-create"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household-edit"),
    path("households/<int:pk>/verify/", views.household_verify, name="household-verify"),
    path("households/<int:pk>/split/", views.household_split, name="household-split"),
    path("households/<int:pk>/merge/", views.household_merge, name="household-merge"),
    path("households/<int:household_pk>/persons/new/", views.person_add, name="person-add"),
    path("households/<int:household_pk>/births/new/", views.person_birth, name="person-birth"),
    path("persons/<int:pk>/", views.person_detail, name="person-detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person-reveal"),
    path("persons/<int:pk>/move/", views.person_move, name="person-move"),
    path("persons/<int:pk>/move-out/", views.person_move_out, name="person-move-out"),
    path("persons/<int:pk>/death/", views.person_death, name="person-death"),
    path("persons/<int:pk>/categories/new/", views.category_add, name="category-add"),
    path("categories/<int:pk>/end/", views.category_end, name="category-end"),
]
