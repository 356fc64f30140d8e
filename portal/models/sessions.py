"""Server-side sessions: what a cookie's random token may do."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.models.common import utcnow


class ServerSession(Model):
    """What a cookie is allowed to do, kept on the server: a staff sign-in, a receipt waiting to
    be read once, or a reporter's follow-up view. The cookie carries only a random token; this
    row is found by its SHA-256, so ending a session here ends every copy of the cookie."""

    __tablename__ = "server_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    tip_id: Mapped[int | None] = mapped_column(
        ForeignKey("tips.id", ondelete="CASCADE"), index=True
    )
    # The receipt code, sealed with a key derived from the cookie's token: neither a copy of
    # the database nor the cookie alone can read it.
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
