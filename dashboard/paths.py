"""The dashboard's own URL paths (pages and form routes)."""

HOME = "/"
LOGIN = "/login"
LOGIN_POST = "/auth/login"
LOGOUT_POST = "/auth/logout"
LANGUAGE = "/lang"             # /lang/{code}: remember a language, back to where the switch was pressed
FARM = "/farm"
CHARTS = "/charts"
DEVICES = "/devices"
CAMERA_WALL = "/camera-wall"   # not /cameras: behind the proxy that path is the relay's
CLAIMS = "/claims"
TREE = "/tree"                 # /tree/{id}
MY_TREE = "/my-tree"           # the customer's page (dashboard/pages/my_tree*.py)
CARE = "/care"                 # the care log: farmers record work (dashboard/pages/care.py)

# Prefixes that belong to the other services behind the same proxy: never a dashboard page.
FOREIGN_PREFIXES = ("/api/", "/cameras/")


def tree(tree_id: int) -> str:
    return f"{TREE}/{tree_id}"


def local_target(target: str | None, default: str = HOME) -> str:
    """`target` if it is a path on this site (a login's ?next=), else `default`: no open redirects."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
