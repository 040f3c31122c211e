"""Logs, request ids, /metrics, Sentry and gunicorn (issue 14, part 2)."""
