from django.urls import path

from . import views

app_name = "party"

urlpatterns = [
    path("", views.home, name="home"),
    path("obligations/", views.obligations, name="obligations"),
    path("compliance/", views.compliance, name="compliance"),
    path("members/", views.member_list, name="member-list"),
    path("members/<int:pk>/", views.member_detail, name="member-detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member-reveal"),
    path("members/<int:pk>/contacts/new/", views.contact_log, name="contact-log"),
    path("members/<int:pk>/admissions/new/", views.admission_add, name="admission-add"),
    path("members/<int:pk>/mobile/", views.member_mobile, name="member-mobile"),
    path("members/<int:pk>/transfer/", views.member_transfer, name="member-transfer"),
    path("members/<int:pk>/lost/", views.member_lost, name="member-lost"),
    path("members/<int:pk>/service/new/", views.service_add, name="service-add"),
    path("members/<int:pk>/service-record.xlsx", views.service_record, name="service-record"),
    path("orgs/<int:pk>/", views.org_detail, name="org-detail"),
    path("orgs/<int:org_pk>/members/new/", views.member_create, name="member-create"),
    path("orgs/<int:org_pk>/themed-days/new/", views.themed_day_create, name="themed-day-create"),
    path("themed-days/<int:pk>/", views.themed_day_detail, name="themed-day-detail"),
    path(
        "themed-days/<int:pk>/attendance/",
        views.themed_day_attendance,
        name="themed-day-attendance",
    ),
    path("themed-days/<int:pk>/photos/", views.themed_day_photos, name="themed-day-photos"),
    path("photos/<int:pk>/<str:size>/<str:token>.jpg", views.photo, name="photo"),
    path("tracing/", views.tracing_list, name="tracing-list"),
    path("tracing/<int:pk>/", views.tracing_detail, name="tracing-detail"),
    *[
        path(
            f"tracing/<int:pk>/{action.replace('_', '-')}/",
            views.tracing_move,
            {"action": action},
            name=f"tracing-{action.replace('_', '-')}",
        )
        for action in views.TRACING_FORMS
    ],
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/new/", views.rule_create, name="rule-create"),
    path("rules/<int:pk>/", views.rule_change, name="rule-change"),
    path("settings/", views.settings_edit, name="settings"),
    path("presence/", views.presence, name="presence"),
    path("join/<int:community_pk>/", views.register, name="register"),
    path("join/done/", views.register_done, name="register-done"),
    path("registrations/", views.registration_list, name="registration-list"),
    path("registrations/<int:pk>/", views.registration_detail, name="registration-detail"),
    path(
        "registrations/<int:pk>/reject/",
        views.registration_reject,
        name="registration-reject",
    ),
]
