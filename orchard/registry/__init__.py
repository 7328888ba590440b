"""The registry: farms, plots, trees, devices, cameras, users, claims and API tokens.

`models` holds the tables, `db` the engine and sessions, `migrate` the schema upgrades;
`orchards`, `people`, `tokens` and `access` the functions services call.
"""
