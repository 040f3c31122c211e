"""redemption request and confirm in one round trip each (PostgreSQL functions)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 10:00:00

Ports of `ecolife.services.redemptions.request_redemption` (with `idempotency.run_once`) and
`confirm_redemption`, so that on PostgreSQL each is one call in its own transaction. SQLite
keeps running the Python versions; the test suite runs against both.
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


REDEMPTION_JSON = r"""
CREATE OR REPLACE FUNCTION ecolife_redemption_json(p_id integer) RETURNS json
LANGUAGE sql AS $fn$
    SELECT json_build_object(
        'id', d.id, 'code', d.code, 'status', d.status, 'points', d.points,
        'created_at', d.created_at, 'expires_at', d.expires_at, 'resolved_at', d.resolved_at,
        'resident', u.display_name,
        'reward', json_build_object(
            'id', r.id, 'name_th', r.name_th, 'name_en', r.name_en,
            'shop', json_build_object('id', sh.id, 'name', sh.name, 'name_en', sh.name_en)))
      FROM redemptions d
      JOIN rewards r ON r.id = d.reward_id
      JOIN shops sh ON sh.id = r.shop_id
      JOIN users u ON u.id = d.user_id
     WHERE d.id = p_id
$fn$;
"""

REDEEM_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ecolife_redeem(
    p_session_id integer,
    p_user_id integer,
    p_key text,
    p_fingerprint text,
    p_reward_id integer,
    p_now timestamptz,
    p_codes text[],            -- fresh random codes to try, in order
    p_default_ttl integer      -- redemption_ttl_seconds when there is no settings row
) RETURNS json
LANGUAGE plpgsql AS $fn$
DECLARE
    v_start record;
    v_suspended boolean;
    v_balance integer;
    v_reward record;
    v_held integer;
    v_ttl integer;
    v_code text;
    v_id integer;
    v_refusal text;
    v_params json := '{}';
BEGIN
    v_start := ecolife_keyed_start(p_session_id, p_user_id, 'resident', p_key, p_fingerprint);
    IF v_start.answer IS NOT NULL THEN
        RETURN v_start.answer;
    END IF;
    v_suspended := v_start.suspended;
    v_balance := v_start.balance;
    IF v_start.redemption_id IS NOT NULL THEN
        RETURN json_build_object(
            'outcome', 'replayed', 'balance', v_balance,
            'redemption', ecolife_redemption_json(v_start.redemption_id));
    END IF;

    -- The checks of ecolife.services.redemptions._hold, in its order.
    SELECT r.id, r.shop_id, r.points, r.stock, r.per_resident_limit,
           r.active AND sh.active
             AND (r.active_from IS NULL OR r.active_from <= p_now)
             AND (r.active_to IS NULL OR p_now < r.active_to) AS available
      INTO v_reward
      FROM rewards r JOIN shops sh ON sh.id = r.shop_id
     WHERE r.id = p_reward_id;
    IF v_suspended THEN
        v_refusal := 'account_suspended';
    ELSIF v_reward.id IS NULL OR NOT v_reward.available THEN
        v_refusal := 'reward_unavailable';
    ELSIF v_balance < v_reward.points THEN
        v_refusal := 'insufficient_points';
        v_params := json_build_object('needed', v_reward.points, 'balance', v_balance);
    ELSE
        IF v_reward.per_resident_limit IS NOT NULL THEN
            SELECT count(*) INTO v_held FROM redemptions d
             WHERE d.user_id = p_user_id AND d.reward_id = v_reward.id
               AND d.status IN ('pending', 'confirmed');
            IF v_held >= v_reward.per_resident_limit THEN
                v_refusal := 'reward_unavailable';
            END IF;
        END IF;
        IF v_refusal IS NULL THEN
            -- The conditional UPDATE decides among residents racing for the last items.
            UPDATE rewards r SET stock = r.stock - 1
             WHERE r.id = v_reward.id AND (r.stock IS NULL OR r.stock > 0);
            IF NOT FOUND THEN
                v_refusal := 'out_of_stock';
            END IF;
        END IF;
    END IF;

    IF v_refusal IS NOT NULL THEN
        RETURN ecolife_keyed_refusal(p_user_id, p_key, p_fingerprint, v_refusal, v_params, p_now);
    END IF;

    SELECT r.redemption_ttl_seconds INTO v_ttl FROM rule_settings r WHERE r.id = 1;
    v_ttl := coalesce(v_ttl, p_default_ttl);
    FOREACH v_code IN ARRAY p_codes LOOP
        INSERT INTO redemptions
            (code, user_id, reward_id, shop_id, points, status, created_at, expires_at)
        VALUES (v_code, p_user_id, v_reward.id, v_reward.shop_id, v_reward.points, 'pending',
                p_now, p_now + make_interval(secs => v_ttl))
        ON CONFLICT (code) DO NOTHING
        RETURNING id INTO v_id;
        EXIT WHEN v_id IS NOT NULL;
    END LOOP;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'could not find a free redemption code';
    END IF;
    v_balance := ecolife_post_entry(p_user_id, -v_reward.points, 'redeem', 'reward ' || v_reward.id,
                                    v_reward.shop_id, NULL, v_id, p_user_id, p_now);
    INSERT INTO idempotency_keys (user_id, key, fingerprint, redemption_id, created_at)
    VALUES (p_user_id, p_key, p_fingerprint, v_id, p_now);
    RETURN json_build_object(
        'outcome', 'created', 'balance', v_balance, 'redemption', ecolife_redemption_json(v_id));
END
$fn$;
"""

CONFIRM_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ecolife_confirm(
    p_session_id integer,
    p_user_id integer,
    p_redemption_id integer,
    p_now timestamptz
) RETURNS json
LANGUAGE plpgsql AS $fn$
DECLARE
    v_role text;
    v_shop_id integer;
    v_found record;
BEGIN
    SELECT u.role, u.shop_id INTO v_role, v_shop_id
      FROM auth_sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = p_session_id AND s.user_id = p_user_id AND s.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN json_build_object('outcome', 'invalid_token');
    END IF;
    IF v_role IS DISTINCT FROM 'shop_staff' THEN
        RETURN json_build_object('outcome', 'forbidden');
    END IF;
    PERFORM 1 FROM redemptions d WHERE d.id = p_redemption_id AND d.shop_id = v_shop_id;
    IF NOT FOUND THEN
        RETURN json_build_object('outcome', 'not_found');
    END IF;

    -- Only one of confirm, cancel and expire moves a redemption out of pending.
    UPDATE redemptions d SET status = 'confirmed', resolved_at = p_now, confirmed_by_id = p_user_id
     WHERE d.id = p_redemption_id AND d.status = 'pending' AND d.expires_at > p_now;
    IF FOUND THEN
        RETURN json_build_object(
            'outcome', 'confirmed', 'redemption', ecolife_redemption_json(p_redemption_id));
    END IF;

    -- Too late: an overdue one expires now and its points and stock come back.
    UPDATE redemptions d SET status = 'expired', resolved_at = p_now, confirmed_by_id = NULL
     WHERE d.id = p_redemption_id AND d.status = 'pending' AND d.expires_at <= p_now
    RETURNING d.id, d.user_id, d.reward_id, d.shop_id, d.points INTO v_found;
    IF FOUND THEN
        UPDATE rewards r SET stock = r.stock + 1 WHERE r.id = v_found.reward_id AND r.stock IS NOT NULL;
        PERFORM ecolife_post_entry(v_found.user_id, v_found.points, 'refund',
                                   'redemption ' || v_found.id || ' expired', v_found.shop_id,
                                   NULL, v_found.id, NULL, p_now);
    END IF;
    RETURN json_build_object('outcome', 'not_pending');
END
$fn$;
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(REDEMPTION_JSON)
        op.execute(REDEEM_FUNCTION)
        op.execute(CONFIRM_FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ecolife_confirm(integer, integer, integer, timestamptz)")
        op.execute(
            "DROP FUNCTION IF EXISTS ecolife_redeem("
            "integer, integer, text, text, integer, timestamptz, text[], integer)"
        )
        op.execute("DROP FUNCTION IF EXISTS ecolife_redemption_json(integer)")
