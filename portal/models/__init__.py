"""Every table, one module per domain concept. Importing this package registers them all with
the metadata (for `create_all()` and Alembic); import names from here."""

from portal.categories import Category
from portal.models.common import MAX_ROW_ID, as_utc, row_id, utcnow
from portal.models.directory import SupportService
from portal.models.organisations import (
    AccessRequest,
    Organisation,
    OrgKind,
    Referral,
    ReferralMode,
    ReferralRule,
    ReferralState,
    RelayRequest,
    RequestState,
    TipAccess,
    Tlp,
)
from portal.models.protection import ProtectionKey, TipWord
from portal.models.registry import LicensedRecruiter, RecruiterList
from portal.models.retention import LegalHold, RetentionRule, TipTombstone
from portal.models.sessions import ServerSession
from portal.models.staff import ROLE_ORDER, AuditEvent, Role, StaffUser
from portal.models.tips import (
    PRIORITY_RANK,
    Attachment,
    Author,
    Indicator,
    Message,
    Note,
    Tip,
    TipIndicator,
    TipStatus,
    TriageMark,
    TriageRun,
    TriageState,
    queue_rank_for,
)
from portal.models.warnings import PublicWarning

__all__ = [
    "MAX_ROW_ID",
    "PRIORITY_RANK",
    "ROLE_ORDER",
    "AccessRequest",
    "Attachment",
    "AuditEvent",
    "Author",
    "Category",
    "Indicator",
    "LegalHold",
    "LicensedRecruiter",
    "Message",
    "Note",
    "OrgKind",
    "Organisation",
    "Referral",
    "ReferralMode",
    "ReferralRule",
    "ReferralState",
    "RetentionRule",
    "RelayRequest",
    "RequestState",
    "TipAccess",
    "Tlp",
    "ProtectionKey",
    "PublicWarning",
    "RecruiterList",
    "Role",
    "ServerSession",
    "StaffUser",
    "SupportService",
    "Tip",
    "TipIndicator",
    "TipWord",
    "TipStatus",
    "TipTombstone",
    "TriageMark",
    "TriageRun",
    "TriageState",
    "as_utc",
    "queue_rank_for",
    "row_id",
    "utcnow",
]

# The blind word index follows every sealed write (registers its session hook).
import portal.protection.words  # noqa: E402, F401
