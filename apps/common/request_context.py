"""The current request id, readable from logging filters, services and Celery tasks."""
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
