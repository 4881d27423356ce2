from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # Django's LogoutView answers POST only: a link or an image cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("posts/", views.posts, name="posts"),
    path("posts/grant/", views.post_grant, name="post-grant"),
    path("posts/<int:pk>/revoke/", views.post_revoke, name="post-revoke"),
    path("users/new/", views.user_create, name="user-create"),
    path("access-log/", views.access_log, name="access-log"),
]
