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
OVERVIEW_SHOWN = "overview-shown"          # dcc.Store: a digest of what the page shows, so a refresh sends only changes

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

# Customer: my tree (dashboard/pages/my_tree.py).
MY_TREE_CLAIM = "my-tree-claim"            # dcc.Store: {"claim": id, "state": ...}, looked up again on every use
MY_TREE_WATCH = "my-tree-watch"            # dcc.Interval: notices the claim ended, started or got its first data
MY_TREE_BODY = "my-tree-body"
MY_TREE_MESSAGE = "my-tree-message"        # the friendly sentence for no tree / not started / ended / no data
MY_TREE_CAMERA = "my-tree-camera"          # filled by assets/camera.js
MY_TREE_CAMERA_TICK = "my-tree-camera-tick"  # dcc.Interval: a fresh camera token
MY_TREE_CARD = "my-tree-card"
MY_TREE_DAYS_LEFT = "my-tree-days-left"
MY_TREE_TODAY = "my-tree-today"
MY_TREE_SOIL = "my-tree-soil"
MY_TREE_TEMP = "my-tree-temp"
MY_TREE_CURSOR = "my-tree-cursor"          # dcc.Store: where the charts end (a hint; queries stay in the claim)
MY_TREE_TICK = "my-tree-tick"              # dcc.Interval: new readings
MY_TREE_TIMELAPSE = "my-tree-timelapse"
MY_TREE_GALLERY = "my-tree-gallery"        # filled by assets/gallery.js


def my_tree_switch(claim_id: int) -> str:
    return f"my-tree-switch-{claim_id}"

# Farmer: alerts (dashboard/pages/alerts.py, alert_rules.py) and the header's alert badge.
ALERTS_FARM = "alerts-farm"                # farm picker
ALERTS_LIST = "alerts-list"
ALERTS_NOTE = "alerts-note"                # what became of the last Acknowledge pressed
ALERTS_REFRESH = "alerts-refresh"          # dcc.Interval
ALERTS_ACKED = "alerts-acked"              # dcc.Store: bumped after an acknowledgement, so the list is read again
ALERT_BADGE = "shell-alert-badge"          # the red count of active alerts in the header
ALERT_BADGE_REFRESH = "shell-alert-badge-refresh"  # dcc.Interval
RULES_FARM = "alert-rules-farm"
RULES_TABLE = "alert-rules-table"
ALERT_ACK = "alert-ack"                    # pattern type: one Acknowledge button per alert


def alert_ack(alert_id: int) -> dict:
    return {"type": ALERT_ACK, "alert": alert_id}
RULES_EDIT = "alert-rules-edit"            # the farm-wide tuning form
RULES_EDIT_RULE = "alert-rules-edit-rule"
RULES_EDIT_THRESHOLD = "alert-rules-edit-threshold"
RULES_EDIT_CLEAR = "alert-rules-edit-clear"
RULES_EDIT_DURATION = "alert-rules-edit-duration"  # minutes
RULES_EDIT_SEVERITY = "alert-rules-edit-severity"
RULES_EDIT_REPEAT = "alert-rules-edit-repeat"      # hours
RULES_EDIT_SAVE = "alert-rules-edit-save"
RULES_EDIT_RESET = "alert-rules-edit-reset"
RULES_EDIT_NOTE = "alert-rules-edit-note"
