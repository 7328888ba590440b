"""The management API: farms, plots, trees, devices, cameras, people, claims and readings over HTTP.

`app` builds the FastAPI app and its one error handler; `services` holds what routes are
given (registry sessions, the policy, the store); `access` says who is asking; `routes/`
has one router per resource. Every access decision is asked of `orchard.auth.policy`.
"""
