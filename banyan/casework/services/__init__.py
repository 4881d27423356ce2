"""Writes of the service loop (one function per action); see workflow.py for the table."""

from .cases import (
    can_take,
    case_accept,
    case_assign,
    case_auto_close,
    case_close,
    case_confirm,
    case_create,
    case_escalate,
    case_hand_off,
    case_mark_duplicate,
    case_note,
    case_reject,
    case_reopen,
    case_resolve,
    case_resume,
    case_start,
    case_suspend,
    close_unconfirmed,
)
from .daily import casework_daily as casework_daily
from .disputes import dispute_party_add as dispute_party_add
from .disputes import dispute_record_agreement as dispute_record_agreement
from .disputes import dispute_refer_legal_aid as dispute_refer_legal_aid
from .disputes import dispute_set_mediator as dispute_set_mediator
from .disputes import mediation_session_add as mediation_session_add
from .intake import intake_submit as intake_submit
from .meetings import agenda_add_case as agenda_add_case
from .meetings import agenda_add_escalated as agenda_add_escalated
from .meetings import agenda_add_report as agenda_add_report
from .meetings import agenda_item_decide as agenda_item_decide
from .meetings import agenda_item_remove as agenda_item_remove
from .meetings import meeting_create as meeting_create
from .meetings import meeting_finalise as meeting_finalise
from .meetings import meeting_update as meeting_update
from .notify import notification_setting_set as notification_setting_set
from .notify import notifications_mark_read as notifications_mark_read
from .public_text import case_public_text_edit as case_public_text_edit
from .public_text import case_public_text_hide as case_public_text_hide
from .visits import can_record_visit as can_record_visit
from .visits import visit_record as visit_record

__all__ = [
    "can_take",
    "case_accept",
    "case_assign",
    "case_auto_close",
    "case_close",
    "case_confirm",
    "case_create",
    "case_escalate",
    "case_hand_off",
    "case_mark_duplicate",
    "case_note",
    "case_reject",
    "case_reopen",
    "case_resolve",
    "case_resume",
    "case_start",
    "case_suspend",
    "close_unconfirmed",
]
