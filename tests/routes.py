"""The app's routes as the access tables write them, to prove a table lists every route."""

import re

ARGUMENT = re.compile(r"<(?:[^:>]+:)?(\w+)>")


def routes_missing(app, table, prefix: str, names: dict[str, str], skip=()) -> list[tuple]:
    """The (method, rule) of each route under `prefix` (but endpoints starting with `skip`)
    that `table`'s rows (method, path, …) do not list; `names` turns each of a rule's
    arguments into what the table writes there (a placeholder such as "{shop_x}", or a value)."""
    covered = {(method.upper(), path.split("?")[0]) for method, path, *_ in table}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix) or rule.endpoint.startswith(tuple(skip)):
            continue
        path = ARGUMENT.sub(lambda arg: names[arg.group(1)], rule.rule)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        missing += [(m, rule.rule) for m in methods if (m, path) not in covered]
    return missing
