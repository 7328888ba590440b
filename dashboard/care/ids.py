"""Component ids of the care-log views (dashboard/pages/care.py, dashboard/customer/care.py)."""

CARE_FARM = "care-farm"
CARE_PLACE = "care-place"              # "farm", "plot:<id>", "tree:<id>"
CARE_KIND = "care-kind"
CARE_TIME = "care-time"                # datetime-local, on the farm's clock
CARE_NOTES = "care-notes"
CARE_MEASURE = "care-measure"          # the box of material, quantity and unit
CARE_MATERIAL = "care-material"
CARE_QUANTITY = "care-quantity"
CARE_UNIT = "care-unit"
CARE_PEST = "care-pest"                # the box of method and product, shown for pest control only
CARE_METHOD = "care-method"
CARE_PRODUCT = "care-product"
CARE_REGISTRATION = "care-registration"
CARE_DOSE = "care-dose"
CARE_DOSE_UNIT = "care-dose-unit"
CARE_PRE_HARVEST = "care-pre-harvest"
CARE_CLASS = "care-class"
CARE_REASON_BOX = "care-reason-box"
CARE_REASON = "care-reason"
CARE_BANNER = "care-banner"            # "correcting the entry of ..." while a correction is open
CARE_CANCEL = "care-cancel"
CARE_SAVE = "care-save"
CARE_FEEDBACK = "care-feedback"
CARE_EDITING = "care-editing"          # dcc.Store: {"entry": id} being corrected (looked up again on save)
CARE_LIST = "care-list"

CUSTOMER_CARE = "my-tree-care"
CUSTOMER_PROMISE = "my-tree-promise"

# Pattern-matching id type: the "correct" button of one entry.
CARE_CORRECT = "care-correct"


def correct_button(entry_id: int) -> dict:
    return {"type": CARE_CORRECT, "entry": entry_id}
