"""The registry: farms, plots, trees, devices, cameras, users, claims and API tokens, and what hangs off them.

`models` holds the core tables, `db` the engine and sessions, `migrate` the schema upgrades;
`orchards`, `people`, `tokens` and `access` the functions services call. The areas built on
the core keep their tables in their own modules, imported here so every table is in
`Base.metadata` whichever module a service imports first: `alerting` (rules, incidents,
outbox), `care_log`, `picking`, `visits`, `invitations` and `shares`.
"""

from orchard.registry import alerting, care_log, invitations, picking, shares, visits  # noqa: F401
