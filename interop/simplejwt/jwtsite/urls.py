"""URL table: the token endpoints of djangorestframework-simplejwt plus /api/user/.

/api/token/blacklist/ exists only when the installed SimpleJWT has
TokenBlacklistView (added in 5.0); with 4.8.0 that path answers 404.
"""
from django.contrib import admin
from django.urls import path
from rest_framework_simplejwt.views import (
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)

from api.views import CurrentUserView

try:
    from rest_framework_simplejwt.views import TokenBlacklistView
except ImportError:  # SimpleJWT 4.x
    TokenBlacklistView = None

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("api/token/verify/", TokenVerifyView.as_view(), name="token_verify"),
    path("api/user/", CurrentUserView.as_view(), name="current_user"),
]

if TokenBlacklistView is not None:
    urlpatterns.append(
        path(
            "api/token/blacklist/",
            TokenBlacklistView.as_view(),
            name="token_blacklist",
        )
    )
