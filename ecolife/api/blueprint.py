"""flask-smorest's Blueprint with EcoLife's request parsing: one schema instance per route, and
JSON that the app and PostgreSQL can hold, or a 400/422 naming what is wrong."""

import json

import flask_smorest
from flask import Request
from flask.json.provider import DefaultJSONProvider
from marshmallow import RAISE
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from ecolife.api.fields import UNSTORABLE_MESSAGE, unstorable_text

# Deeper JSON than this is no request of ours (the deepest body, a new shop, is 2 levels).
MAX_JSON_DEPTH = 32


def read_json(text: str | bytes, **kwargs):
    """Parse JSON; what cannot be read is a ValueError (so a 400), never a 500: besides
    malformed or non-UTF-8 text, too deep a nesting (RecursionError) or a number too long to
    convert."""
    try:
        return json.loads(text, **kwargs)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise  # already what Flask and webargs answer with a 400 (webargs: "" is no body)
    except (RecursionError, ValueError) as error:
        raise json.JSONDecodeError(f"Unreadable JSON: {error}", "(body)", 0) from error


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON (request.get_json) reading as read_json does."""

    def loads(self, s, **kwargs):
        return read_json(s, **kwargs)


class Parser(FlaskParser):
    """webargs' parser for Flask, refusing what would break further in: JSON nested too deep
    (400 invalid_json), NUL characters and lone surrogates in any string, key, query or path
    value (422, naming the field); and unknown query parameters, as unknown body fields."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": RAISE}

    def _raw_load_json(self, req: Request):
        if not is_json_request(req):
            return core.missing
        body = read_json(req.get_data(cache=True))
        _refuse_unstorable(body, "json")
        return body

    def load_querystring(self, req: Request, schema):
        for name, value in req.args.items(multi=True):
            if unstorable_text(name) or unstorable_text(value):
                _refuse(name, "query")
        return super().load_querystring(req, schema)


def _refuse_unstorable(value, location: str, path: str = "", depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        abort(400, messages={location: ["Invalid JSON body."]})
    if isinstance(value, str):
        if unstorable_text(value):
            _refuse(path or "_body", location)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if unstorable_text(key):
                _refuse(path or "_body", location)
            _refuse_unstorable(item, location, name, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_unstorable(item, location, f"{path}.{index}" if path else str(index), depth + 1)


def _refuse(name: str, location: str):
    abort(422, messages={location: {name: [str(UNSTORABLE_MESSAGE)]}})


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

    def arguments(self, schema, **kwargs):
        """As flask-smorest's, but a schema class becomes one instance here: webargs would
        otherwise build a new one on every request (a fifth of the cost of parsing a body)."""
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)
