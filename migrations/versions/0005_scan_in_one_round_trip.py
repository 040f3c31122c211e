"""scan in one round trip (PostgreSQL function ecolife_scan)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00

A credited scan used to be ~16 round trips between the app and PostgreSQL. On PostgreSQL the
whole check-and-credit now runs inside the database as one call, `ecolife_scan(...)`, in its
own transaction. It is a port of `ecolife.services.earning` + `ecolife.rules` (which SQLite
still runs): the same order of checks, the same refusals and parameters, the same rows
written. The test suite runs against both, so any difference shows up as a failing test.
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


KEYED_START = r"""
CREATE OR REPLACE FUNCTION ecolife_keyed_start(
    p_session_id integer,
    p_user_id integer,
    p_role text,
    p_key text,
    p_fingerprint text,
    OUT answer json,          -- set when the request ends here
    OUT suspended boolean,
    OUT balance integer,
    OUT scan_id integer,      -- set when the key already created something: replay it
    OUT redemption_id integer
)
LANGUAGE plpgsql AS $fn$
DECLARE
    v_role text;
    v_key record;
BEGIN
    -- The access token's session must still be open (sign-out revokes it).
    PERFORM 1 FROM auth_sessions s
     WHERE s.id = p_session_id AND s.user_id = p_user_id AND s.revoked_at IS NULL;
    IF NOT FOUND THEN
        answer := json_build_object('outcome', 'invalid_token');
        RETURN;
    END IF;
    -- One resident's requests run one at a time from here (ecolife.services.ledger.lock_account).
    SELECT u.suspended_at IS NOT NULL, u.role, u.balance INTO suspended, v_role, balance
      FROM users u WHERE u.id = p_user_id FOR UPDATE;
    IF v_role IS DISTINCT FROM p_role THEN
        answer := json_build_object('outcome', 'forbidden');
        RETURN;
    END IF;
    -- The first outcome of a key is the only one (ecolife.services.idempotency.run_once).
    SELECT k.fingerprint, k.scan_id, k.redemption_id, k.error_code, k.error_params INTO v_key
      FROM idempotency_keys k WHERE k.user_id = p_user_id AND k.key = p_key;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF v_key.fingerprint <> p_fingerprint THEN
        answer := json_build_object('outcome', 'key_reused');
    ELSIF v_key.error_code IS NOT NULL THEN
        answer := json_build_object(
            'outcome', 'refused', 'code', v_key.error_code,
            'params', coalesce(v_key.error_params, '{}'));
    ELSE
        scan_id := v_key.scan_id;
        redemption_id := v_key.redemption_id;
    END IF;
END
$fn$;
"""

KEYED_REFUSAL = r"""
CREATE OR REPLACE FUNCTION ecolife_keyed_refusal(
    p_user_id integer, p_key text, p_fingerprint text, p_code text, p_params json,
    p_now timestamptz
) RETURNS json
LANGUAGE sql AS $fn$
    -- Remember a refusal under its key, so a retry gets the same answer.
    INSERT INTO idempotency_keys (user_id, key, fingerprint, error_code, error_params, created_at)
    VALUES (p_user_id, p_key, p_fingerprint, p_code, p_params, p_now);
    SELECT json_build_object('outcome', 'refused', 'code', p_code, 'params', p_params);
$fn$;
"""

POST_ENTRY = r"""
CREATE OR REPLACE FUNCTION ecolife_post_entry(
    p_user_id integer, p_delta integer, p_kind text, p_reason text, p_shop_id integer,
    p_scan_id integer, p_redemption_id integer, p_actor_id integer, p_now timestamptz
) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    v_balance integer;
BEGIN
    -- ecolife.services.ledger.post_entry: the conditional UPDATE never goes below zero.
    UPDATE users u SET balance = u.balance + p_delta
     WHERE u.id = p_user_id AND u.balance + p_delta >= 0
    RETURNING u.balance INTO v_balance;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insufficient points for user %', p_user_id;
    END IF;
    INSERT INTO ledger_entries (user_id, kind, delta, balance_after, reason, shop_id, scan_id,
                                redemption_id, actor_id, created_at)
    VALUES (p_user_id, p_kind, p_delta, v_balance, p_reason, p_shop_id, p_scan_id,
            p_redemption_id, p_actor_id, p_now);
    RETURN v_balance;
END
$fn$;
"""

SCAN_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ecolife_scan(
    p_session_id integer,
    p_user_id integer,
    p_key text,
    p_fingerprint text,
    p_token text,          -- the token read from the scanned text, NULL if unreadable
    p_action text,         -- the resident's choice for a poster, NULL for the default
    p_quantity integer,    -- NULL for 1
    p_now timestamptz,
    p_default_action text,
    p_defaults integer[]   -- cooldown s, per-shop cap, daily cap, max quantity (no settings row)
) RETURNS json
LANGUAGE plpgsql AS $fn$
DECLARE
    v_start record;
    v_suspended boolean;
    v_shop record;
    v_code_id integer;
    v_code_shop integer;
    v_code_action integer;
    v_code_quantity integer;
    v_code_used timestamptz;
    v_code_expires timestamptz;
    v_action record;
    v_cooldown integer := p_defaults[1];
    v_cap_shop integer := p_defaults[2];
    v_cap_day integer := p_defaults[3];
    v_max_quantity integer := p_defaults[4];
    v_quantity integer;
    v_day_start timestamptz;
    v_last timestamptz;
    v_at_shop integer;
    v_today integer;
    v_seconds integer;
    v_refusal text;
    v_params json := '{}';
    v_points integer;
    v_scan_id integer;
    v_balance integer;
BEGIN
    v_start := ecolife_keyed_start(p_session_id, p_user_id, 'resident', p_key, p_fingerprint);
    IF v_start.answer IS NOT NULL THEN
        RETURN v_start.answer;
    END IF;
    v_suspended := v_start.suspended;
    IF v_start.scan_id IS NOT NULL THEN
        RETURN (
            SELECT json_build_object(
                'outcome', 'replayed', 'scan_id', s.id,
                'shop', json_build_object('id', sh.id, 'name', sh.name, 'name_en', sh.name_en),
                'action', a.code, 'quantity', s.quantity, 'points', s.points,
                'code_id', s.code_id, 'created_at', s.created_at, 'balance', l.balance_after)
              FROM scans s
              JOIN shops sh ON sh.id = s.shop_id
              JOIN actions a ON a.id = s.action_id
              JOIN ledger_entries l ON l.scan_id = s.id
             WHERE s.id = v_start.scan_id);
    END IF;

    -- The rules, in the order ecolife.services.earning._credit and ecolife.rules check them.
    IF v_suspended THEN
        v_refusal := 'account_suspended';
    ELSIF p_token IS NULL THEN
        v_refusal := 'unknown_code';
    ELSE
        SELECT sh.id, sh.name, sh.name_en, sh.active INTO v_shop
          FROM shops sh WHERE sh.qr_token = p_token;
        IF NOT FOUND THEN
            SELECT c.id, c.shop_id, c.action_id, c.quantity, c.used_at, c.expires_at
              INTO v_code_id, v_code_shop, v_code_action, v_code_quantity, v_code_used, v_code_expires
              FROM earning_codes c WHERE c.token = p_token;
            IF NOT FOUND THEN
                v_refusal := 'unknown_code';
            ELSE
                SELECT sh.id, sh.name, sh.name_en, sh.active INTO v_shop
                  FROM shops sh WHERE sh.id = v_code_shop;
            END IF;
        END IF;
    END IF;

    IF v_refusal IS NULL THEN
        SELECT r.scan_cooldown_seconds, r.daily_scans_per_shop, r.daily_scans, r.max_quantity
          INTO v_cooldown, v_cap_shop, v_cap_day, v_max_quantity
          FROM rule_settings r WHERE r.id = 1;
        IF NOT FOUND THEN
            v_cooldown := p_defaults[1];
            v_cap_shop := p_defaults[2];
            v_cap_day := p_defaults[3];
            v_max_quantity := p_defaults[4];
        END IF;
        IF v_code_id IS NOT NULL THEN
            IF v_code_used IS NOT NULL THEN
                v_refusal := 'code_used';
            ELSIF p_now >= v_code_expires THEN
                v_refusal := 'code_expired';
            ELSE
                SELECT a.id, a.code, a.points, a.milligrams INTO v_action
                  FROM actions a WHERE a.id = v_code_action;
                v_quantity := v_code_quantity;
            END IF;
        ELSE
            SELECT a.id, a.code, a.points, a.milligrams INTO v_action
              FROM actions a WHERE a.code = coalesce(p_action, p_default_action) AND a.active;
            IF NOT FOUND THEN
                RETURN json_build_object('outcome', 'invalid', 'field', 'action');
            END IF;
            v_quantity := coalesce(p_quantity, 1);
            IF v_quantity < 1 OR v_quantity > v_max_quantity THEN
                RETURN json_build_object(
                    'outcome', 'invalid', 'field', 'quantity', 'max_quantity', v_max_quantity);
            END IF;
        END IF;
    END IF;

    IF v_refusal IS NULL THEN
        -- Today is the Bangkok calendar day; history is read from the end of the indexes.
        v_day_start := date_trunc('day', p_now AT TIME ZONE 'Asia/Bangkok') AT TIME ZONE 'Asia/Bangkok';
        SELECT s.created_at INTO v_last FROM scans s
         WHERE s.user_id = p_user_id AND s.shop_id = v_shop.id
         ORDER BY s.created_at DESC LIMIT 1;
        SELECT count(*) INTO v_at_shop FROM scans s
         WHERE s.user_id = p_user_id AND s.shop_id = v_shop.id AND s.created_at >= v_day_start;
        SELECT count(*) INTO v_today FROM scans s
         WHERE s.user_id = p_user_id AND s.created_at >= v_day_start;
        IF NOT v_shop.active THEN
            v_refusal := 'shop_inactive';
        ELSIF v_code_id IS NULL AND v_last IS NOT NULL
              AND p_now < v_last + make_interval(secs => v_cooldown) THEN
            v_seconds := ceil(extract(epoch FROM v_last + make_interval(secs => v_cooldown) - p_now));
            v_refusal := 'cooldown_active';
            v_params := json_build_object(
                'retry_after', v_seconds, 'minutes', greatest(1, ceil(v_seconds / 60.0))::integer);
        ELSIF v_at_shop >= v_cap_shop OR v_today >= v_cap_day THEN
            v_refusal := 'daily_cap_reached';
            v_params := json_build_object('retry_after', greatest(1, ceil(extract(
                epoch FROM v_day_start + interval '24 hours' - p_now)))::integer);
        END IF;
    END IF;

    IF v_refusal IS NULL AND v_code_id IS NOT NULL THEN
        -- The conditional UPDATE decides among residents racing for the same code.
        UPDATE earning_codes c SET used_at = p_now, used_by_id = p_user_id
         WHERE c.id = v_code_id AND c.used_at IS NULL AND c.expires_at > p_now;
        IF NOT FOUND THEN
            SELECT CASE WHEN c.used_at IS NOT NULL THEN 'code_used' ELSE 'code_expired' END
              INTO v_refusal FROM earning_codes c WHERE c.id = v_code_id;
        END IF;
    END IF;

    IF v_refusal IS NOT NULL THEN
        RETURN ecolife_keyed_refusal(p_user_id, p_key, p_fingerprint, v_refusal, v_params, p_now);
    END IF;

    v_points := v_action.points * v_quantity;
    INSERT INTO scans (user_id, shop_id, action_id, quantity, points, milligrams, code_id, created_at)
    VALUES (p_user_id, v_shop.id, v_action.id, v_quantity, v_points,
            v_quantity * v_action.milligrams, v_code_id, p_now)
    RETURNING id INTO v_scan_id;
    v_balance := ecolife_post_entry(p_user_id, v_points, 'earn', v_action.code || ' x' || v_quantity,
                                    v_shop.id, v_scan_id, NULL, p_user_id, p_now);
    INSERT INTO impacts AS i (user_id, action_id, items, milligrams)
    VALUES (p_user_id, v_action.id, v_quantity, v_quantity * v_action.milligrams)
    ON CONFLICT (user_id, action_id) DO UPDATE
       SET items = i.items + excluded.items, milligrams = i.milligrams + excluded.milligrams;
    INSERT INTO idempotency_keys (user_id, key, fingerprint, scan_id, created_at)
    VALUES (p_user_id, p_key, p_fingerprint, v_scan_id, p_now);
    RETURN json_build_object(
        'outcome', 'credited', 'scan_id', v_scan_id,
        'shop', json_build_object('id', v_shop.id, 'name', v_shop.name, 'name_en', v_shop.name_en),
        'action', v_action.code,
        'quantity', v_quantity, 'points', v_points, 'code_id', v_code_id, 'created_at', p_now,
        'balance', v_balance);
END
$fn$;
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(KEYED_START)
        op.execute(KEYED_REFUSAL)
        op.execute(POST_ENTRY)
        op.execute(SCAN_FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS ecolife_scan("
            "integer, integer, text, text, text, text, integer, timestamptz, text, integer[])"
        )
        op.execute("DROP FUNCTION IF EXISTS ecolife_keyed_start(integer, integer, text, text, text)")
        op.execute(
            "DROP FUNCTION IF EXISTS ecolife_keyed_refusal("
            "integer, text, text, text, json, timestamptz)"
        )
        op.execute(
            "DROP FUNCTION IF EXISTS ecolife_post_entry("
            "integer, integer, text, text, integer, integer, integer, integer, timestamptz)"
        )
