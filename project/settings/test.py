"""Test overlay: fast hashing; everything else as base (PostgreSQL/Redis when the env names them)."""
from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
