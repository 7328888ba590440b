"""Component ids, in one place: layouts and callbacks name components through these constants.

Pattern-matching ids are dicts built by the functions at the end; their `type` is a constant here.
"""

# The shell (every page).
SHELL_HEADER = "shell-header"
SHELL_NAV = "shell-nav"
SHELL_BURGER = "shell-burger"
SESSION_WATCH = "shell-session-watch"      # dcc.Interval: notices a session that ended
SESSION_REDIRECT = "shell-session-redirect"  # dcc.Location: sends a logged-out page to the login page

# Login page.
LOGIN_FORM = "login-form"
LOGIN_ERROR = "login-error"

# Farmer: overview.
OVERVIEW_FARM = "overview-farm"            # farm picker (admins and farmers of several farms)
OVERVIEW_TILES = "overview-tiles"
OVERVIEW_CONDITIONS = "overview-conditions"
OVERVIEW_DEVICES = "overview-devices"
OVERVIEW_REFRESH = "overview-refresh"      # dcc.Interval
OVERVIEW_UPDATED = "overview-updated"

# Farmer: charts.
CHART_SUBJECT = "chart-subject"            # "tree:17", "plot:3", "device:hill-1"
CHART_METRICS = "chart-metrics"
CHART_RANGE = "chart-range"
CHART_CUSTOM = "chart-custom"              # date range picker for the custom range
CHART_GRAPH = "chart-graph"
CHART_STATE = "chart-state"                # dcc.Store: what the graph shows (re-checked on every use)
CHART_REFRESH = "chart-refresh"            # dcc.Interval
CHART_NOTE = "chart-note"

# Farmer: device health.
DEVICES_TABLE = "devices-table"
DEVICES_REFRESH = "devices-refresh"

# Farmer: camera wall.
CAMERA_WALL = "camera-wall"
CAMERA_WALL_REFRESH = "camera-wall-refresh"
CAMERA_LIVE_MODAL = "camera-live-modal"
CAMERA_LIVE_IMAGE = "camera-live-image"

# Farmer: claims.
CLAIMS_TABLE = "claims-table"

# Farmer: one tree.
TREE_HEADER = "tree-header"

# Pattern-matching id types.
TREE_TILE = "tree-tile"
CAMERA_TILE = "camera-tile"


def tree_tile(tree_id: int) -> dict:
    return {"type": TREE_TILE, "tree": tree_id}


def camera_tile(camera_id: str) -> dict:
    return {"type": CAMERA_TILE, "camera": camera_id}
