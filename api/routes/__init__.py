"""One router per resource, in the order the API's docs list them."""

from api.routes import (
    account_links,
    alert_rules,
    alerts,
    auth,
    cameras,
    care_log,
    channels,
    claims,
    devices,
    farms,
    orders,
    picking,
    picking_photos,
    plots,
    readings,
    shares,
    tokens,
    trees,
    trees_import,
    users,
    visits,
)

ROUTERS = [auth.router, tokens.router, farms.router, plots.router, trees_import.router, trees.router,
           readings.router, devices.router, cameras.router, users.router, orders.router, claims.router,
           care_log.router, care_log.trees_router, channels.router, picking.router, picking_photos.router,
           visits.router, account_links.router, shares.router, alerts.router, alert_rules.router]
