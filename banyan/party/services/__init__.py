"""Every change to party data: one function per action, each inside a transaction,
checking the state it expects and writing one (sensitive, unlinked) event."""

from .care import admission_record, contact_log, rule_change, rule_create
from .inservice import (
    RateLimited,
    registration_approve,
    registration_reject,
    registration_submit,
    service_entry_add,
    service_record_export,
)
from .members import (
    member_create,
    member_leave,
    member_reveal_phone,
    member_set_mobile,
    member_transfer,
    member_update,
    member_viewed,
    org_bind,
    org_create,
    settings_update,
)
from .themed import attendance_record, themed_day_create, themed_day_photos_add
from .tracing import (
    member_mark_lost,
    tracing_add_lead,
    tracing_attempt,
    tracing_close,
    tracing_return,
    tracing_support,
    tracing_verify,
)

__all__ = [
    "RateLimited",
    "admission_record",
    "attendance_record",
    "contact_log",
    "member_create",
    "member_leave",
    "member_mark_lost",
    "member_reveal_phone",
    "member_set_mobile",
    "member_transfer",
    "member_update",
    "member_viewed",
    "org_bind",
    "org_create",
    "registration_approve",
    "registration_reject",
    "registration_submit",
    "rule_change",
    "rule_create",
    "service_entry_add",
    "service_record_export",
    "settings_update",
    "themed_day_create",
    "themed_day_photos_add",
    "tracing_add_lead",
    "tracing_attempt",
    "tracing_close",
    "tracing_return",
    "tracing_support",
    "tracing_verify",
]
