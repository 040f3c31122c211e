"""The OpenAPI document tells the truth about errors.

Every error is RFC 9457 problem+json (the `Problem` schema) with a stable string `code`; each
operation lists, per status, exactly the codes it can answer: those its services raise
(DOMAIN_CODES, kept beside this list of views) and the ones every operation of its kind can
get (a body: invalid_json and validation_error; a bearer token: authentication_required,
invalid_token, forbidden; a path id: not_found; always: internal_error and
database_unavailable). Each operation has an operationId. flask-smorest's own `Error`
responses (integer code, application/json) are removed.
"""

import re
from collections import defaultdict

from flask import Flask
from flask_smorest import Api

from ecolife.api.problems import PROBLEMS

PROBLEM_JSON = "application/problem+json"

# Codes each view's services can answer, beyond those every operation of its kind gets.
DOMAIN_CODES: dict[str, tuple[str, ...]] = {
    "account.change_password": ("rate_limited", "validation_error"),
    "admin.create_shop": ("account_exists", "validation_error"),
    "admin.get_shop": ("not_found",),
    "admin.list_shops": ("validation_error",),
    "admin.rotate_qr": ("not_found",),
    "admin.shop_poster": ("not_found",),
    "admin.shop_qr_png": ("not_found",),
    "admin.update_shop": ("not_found", "validation_error"),
    "admin_areas.delete_target": ("not_found",),
    "admin_areas.list_declarations": ("not_found", "validation_error"),
    "admin_areas.list_participation": ("not_found", "validation_error"),
    "admin_areas.delete_declaration": ("not_found",),
    "admin_areas.record_declaration": (
        "declaration_exists",
        "not_found",
        "target_not_reached",
        "validation_error",
    ),
    "admin_areas.set_target": ("not_found", "validation_error"),
    "admin_registration.register_resident": ("account_exists", "validation_error"),
    "admin_rewards.create_reward": ("not_found", "validation_error"),
    "admin_rewards.list_rewards": ("not_found", "validation_error"),
    "admin_rewards.put_reward_image": ("image_too_large", "invalid_image", "not_found"),
    "admin_rewards.statement": ("not_found",),
    "admin_rewards.update_reward": ("not_found", "validation_error"),
    "admin_rules.create_action": ("validation_error",),
    "admin_rules.update_action": ("not_found",),
    "admins.create_admin": ("account_exists", "validation_error"),
    "areas.list_areas": ("not_found",),
    "auth.accept_invite": ("invite_invalid",),
    "jobs.get_job": ("not_found",),
    "notification_settings.change_notification_settings": ("validation_error",),
    "notification_settings.start_line_link": ("not_found",),
    "notification_settings.subscribe_browser": ("not_found", "validation_error"),
    "notification_settings.vapid_public_key": ("not_found",),
    "password_reset.confirm": (
        "rate_limited",
        "reset_code_invalid",
    ),
    "password_reset.request_code": ("rate_limited",),
    "jobs.import_shops": ("validation_error",),
    "jobs.job_file": ("not_found",),
    "auth.login": ("invalid_credentials", "rate_limited"),
    "auth.refresh": ("invalid_token",),
    "auth.register": ("account_exists", "privacy_notice_outdated"),
    "card_counter.create_card_redemption": (
        "account_suspended",
        "card_pin_locked",
        "card_pin_not_set",
        "idempotency_key_required",
        "idempotency_key_reused",
        "insufficient_points",
        "not_found",
        "out_of_stock",
        "pin_tries_exceeded",
        "reward_unavailable",
        "unknown_card",
        "validation_error",
        "wrong_pin",
    ),
    "card_counter.create_card_scan": (
        "account_suspended",
        "card_credit_limit_reached",
        "cooldown_active",
        "daily_cap_reached",
        "idempotency_key_required",
        "idempotency_key_reused",
        "shop_inactive",
        "unknown_card",
        "validation_error",
    ),
    "card_counter.look_up_card": ("shop_inactive", "unknown_card"),
    "cards.card_pdf": ("no_card", "not_found", "validation_error"),
    "cards.card_qr": ("no_card", "not_found"),
    "cards.get_card": ("no_card", "not_found"),
    "cards.rotate_card": ("not_found",),
    "cards.set_pin": ("rate_limited", "validation_error"),
    "earning.create_scan": (
        "account_suspended",
        "code_cancelled",
        "code_expired",
        "code_used",
        "cooldown_active",
        "daily_cap_reached",
        "forbidden",
        "idempotency_key_required",
        "idempotency_key_reused",
        "invalid_token",
        "shop_inactive",
        "unknown_code",
        "validation_error",
    ),
    "earning.me": ("invalid_token",),
    "earning.my_ledger": ("validation_error",),
    "earning.preview_code": (
        "code_cancelled",
        "code_expired",
        "code_used",
        "shop_inactive",
        "unknown_code",
    ),
    "privacy.access_log": ("not_found", "validation_error"),
    "privacy.accept_notice": ("privacy_notice_outdated", "validation_error"),
    "privacy.erase_me": ("rate_limited", "validation_error"),
    "privacy.privacy_notice": ("not_found",),
    "public.public_impact": ("not_found",),
    "rewards.cancel_redemption": ("not_found", "not_pending"),
    "rewards.get_redemption": ("not_found",),
    "rewards.get_reward": ("not_found",),
    "rewards.list_rewards": ("validation_error",),
    "rewards.my_redemptions": ("validation_error",),
    "rewards.redemption_qr": ("not_found",),
    "rewards.request_redemption": (
        "account_suspended",
        "forbidden",
        "idempotency_key_required",
        "idempotency_key_reused",
        "insufficient_points",
        "invalid_token",
        "out_of_stock",
        "reward_unavailable",
        "validation_error",
    ),
    "rewards.reward_image": ("not_found",),
    "shop_staff.code_qr": ("not_found",),
    "shop_staff.confirm_redemption": ("not_found", "not_pending"),
    "shop_staff.create_code": ("shop_inactive", "validation_error"),
    "shop_staff.create_reward": ("validation_error",),
    "shop_staff.get_code": ("not_found",),
    "shop_staff.list_rewards": ("validation_error",),
    "shop_staff.lookup_redemption": ("not_found",),
    "shop_staff.put_reward_image": ("image_too_large", "invalid_image", "not_found"),
    "shop_staff.update_reward": ("not_found", "validation_error"),
    "shops.get_shop": ("not_found",),
    "shops.list_shops": ("validation_error",),
}

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details. `code` is stable; `detail` follows "
    "Accept-Language; `type` is a page that explains the code.",
    "required": ["type", "title", "status", "code", "detail", "errors"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "enum": sorted(PROBLEMS)},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "Field name (dotted for nested fields) to its messages.",
            "additionalProperties": True,
        },
        "retry_after": {"type": "integer", "description": "Seconds to wait (429 and 503)."},
        "tries_left": {
            "type": "integer",
            "description": "wrong_pin: wrong tries left before the card's PIN locks.",
        },
    },
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "integer"},
}
_RULE_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def document_problems(app: Flask, api: Api) -> None:
    """Rewrite the registered operations' error responses; add operationIds."""
    spec = api.spec
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    endpoints = {
        (_RULE_ARGUMENT.sub(r"{\1}", rule.rule), method.lower()): rule.endpoint
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
    }
    for path, operations in spec._paths.items():
        shared = operations.get("parameters", [])  # flask-smorest puts path ids here
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            endpoint = endpoints[(path, method)]
            operation["operationId"] = endpoint.replace(".", "_")
            responses = {
                status: response
                for status, response in operation["responses"].items()
                if not _is_smorest_error(status, response)
            }
            for status, codes in sorted(_codes(endpoint, operation, shared).items()):
                responses[str(status)] = _response(status, codes)
            operation["responses"] = responses
    _drop_smorest_errors(spec)


def _codes(endpoint: str, operation: dict, shared: list) -> dict[int, set[str]]:
    codes = {"internal_error", "database_unavailable", *DOMAIN_CODES.get(endpoint, ())}
    parameters = [*shared, *operation.get("parameters", [])]
    if "requestBody" in operation:
        codes |= {"invalid_json", "bad_request", "validation_error", "payload_too_large"}
    if any(parameter.get("in") in ("query", "header") for parameter in parameters):
        codes.add("validation_error")
    if any(parameter.get("in") == "path" for parameter in parameters):
        codes.add("not_found")
    if operation.get("security"):
        codes |= {"authentication_required", "invalid_token", "forbidden"}
    by_status: dict[int, set[str]] = defaultdict(set)
    for code in codes:
        by_status[PROBLEMS[code][0]].add(code)
    return by_status


def _response(status: int, codes: set[str]) -> dict:
    titles = ", ".join(f"`{code}`" for code in sorted(codes))
    response = {
        "description": f"Problem: {titles}",
        "content": {
            PROBLEM_JSON: {
                "schema": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"code": {"enum": sorted(codes)}}},
                    ]
                }
            }
        },
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": RETRY_AFTER}
    return response


def _is_smorest_error(status: str, response) -> bool:
    reference = response.get("$ref", "") if isinstance(response, dict) else ""
    return status == "default" or reference.startswith("#/components/responses/")


def _drop_smorest_errors(spec) -> None:
    spec.components.responses.clear()
    spec.components.responses_lazy.clear()
    spec.components.schemas.pop("Error", None)
