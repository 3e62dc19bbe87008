from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView as _TokenRefreshView

from apps.common import ratelimit
from apps.users import serializers, services

_ERR = OpenApiResponse(description="Error envelope: {detail, errors?}")


@extend_schema(responses={201: serializers.ProfileSerializer, 422: _ERR, 429: _ERR})
class RegisterView(generics.CreateAPIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = serializers.RegisterSerializer

    def create(self, request, *args, **kwargs):
        # Rate limit (issue 6): registrations per client IP; raises RateLimited -> 429 + Retry-After.
        ratelimit.enforce_register_ip(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        return Response(serializers.ProfileSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = serializers.LoginSerializer

    @extend_schema(
        request=serializers.LoginSerializer,
        responses={200: serializers.TokenPairSerializer, 401: _ERR, 422: _ERR, 429: _ERR},
    )
    def post(self, request):
        # Rate limits (issue 6): every attempt counts, per client IP and per account name (brute force).
        ratelimit.enforce_login_ip(request)
        serializer = serializers.LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ratelimit.enforce_login_username(serializer.validated_data["username"])
        tokens = services.user_login(
            request=request,
            login=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if tokens is None:
            raise AuthenticationFailed("Invalid username/email or password.")
        return Response(tokens)


@extend_schema(responses={200: serializers.TokenPairSerializer, 401: _ERR, 422: _ERR})
class TokenRefreshView(_TokenRefreshView):
    """simplejwt's refresh view, with its 401 (invalid, expired or revoked refresh token) documented."""


class LogoutView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    serializer_class = serializers.LogoutSerializer

    @extend_schema(request=serializers.LogoutSerializer, responses={204: None, 401: _ERR, 422: _ERR})
    def post(self, request):
        serializer = serializers.LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not services.user_logout(refresh=serializer.validated_data["refresh"]):
            raise AuthenticationFailed("Refresh token is invalid, expired or already revoked.")
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses={200: serializers.ProfileSerializer, 401: _ERR, 422: _ERR})
class ProfileView(generics.RetrieveUpdateAPIView):
    serializer_class = serializers.ProfileSerializer

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        services.user_update_profile(user=self.request.user, **serializer.validated_data)
