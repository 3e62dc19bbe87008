# The default settings module: everything lives in base.py, driven by environment variables.
from .base import *  # noqa: F401,F403
