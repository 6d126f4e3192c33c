"""The conversion dialog's state, shared by every page that embeds the dialog (lead detail,
board, leads list): open it with `ConversionState.open_for(lead_id)`."""

from __future__ import annotations

from typing import Any

import reflex as rx

from leadhub.services import conversion, events
from leadhub.services.conversion import AccountFields, ContactFields, ConversionIn, DealFields
from leadhub.services.db import session_scope
from leadhub.services.display import local_time
from leadhub.services.outreach import TYPE_LABELS
from leadhub.services.models import OutreachType
from leadhub.state.session import SessionState, handles_errors

ACCOUNT_FIELDS = tuple(f"account_{name}" for name in AccountFields.__dataclass_fields__)
CONTACT_FIELDS = tuple(f"contact_{name}" for name in ContactFields.__dataclass_fields__)
DEAL_FIELDS = tuple(f"deal_{name}" for name in DealFields.__dataclass_fields__)


class ConversionState(SessionState):
    conv_open: bool = False
    conv_lead_id: int = 0
    conv_lead_name: str = ""
    account_mode: str = conversion.ACCOUNT_NEW
    account_choice: str = ""
    matches: list[dict[str, str]] = []
    create_contact: bool = True
    create_deal: bool = True
    values: dict[str, str] = {}
    field_errors: dict[str, str] = {}
    form_key: int = 0
    attribution: dict[str, str] = {}
    result: dict[str, str] = {}
    links: dict[str, str] = {}

    @rx.var
    def converted(self) -> bool:
        return bool(self.result)

    @rx.event
    @handles_errors
    def open_for(self, lead_id: int | str):
        """Load the lead's mapped values and matching accounts, and show the dialog."""
        ctx = self._ctx()
        with session_scope() as session:
            view = conversion.preview(session=session, ctx=ctx, lead_id=int(lead_id))
        values = view.values
        self.conv_lead_id, self.conv_lead_name = view.lead_id, view.lead_name
        self.account_mode = values.account_mode
        self.account_choice = str(values.account_id or "")
        self.matches = [{"id": str(m.id), "name": m.name, "website": m.website, "reason": m.reason}
                        for m in view.matches]
        self.create_contact, self.create_deal = values.create_contact, values.create_deal
        self.values = {
            **{f"account_{k}": _text(v) for k, v in vars(values.account).items()},
            **{f"contact_{k}": _text(v) for k, v in vars(values.contact).items()},
            **{f"deal_{k}": _text(v) for k, v in vars(values.deal).items()},
        }
        source = view.attribution
        self.attribution = {
            "lead_source": source.lead_source,
            "outreach_type": _type_label(source.outreach_type),
            "outreach_value": " · ".join(p for p in (source.outreach_channel,
                                                     source.outreach_value) if p),
            "rep": source.rep_name,
            "at": local_time(source.occurred_at, self.team_timezone, "%Y-%m-%d"),
        }
        self.field_errors, self.result = {}, {}
        self.form_key += 1
        self.conv_open = True

    @rx.event
    @handles_errors
    def load_links(self, lead_id: int | str):
        """What a converted lead became, for its page (`converted_links`)."""
        ctx = self._ctx()
        with session_scope() as session:
            found = conversion.converted_links(session=session, ctx=ctx, lead_id=int(lead_id))
        self.links = {
            "lead_id": str(lead_id),
            "converted_at": local_time(found.converted_at, self.team_timezone, "%Y-%m-%d"),
            "account_id": _text(found.account_id), "account_name": found.account_name,
            "contact_id": _text(found.contact_id), "contact_name": found.contact_name,
            "deal_id": _text(found.deal_id), "deal_name": found.deal_name,
        }

    @rx.event
    def set_conv_open(self, is_open: bool):
        self.conv_open = bool(is_open)
        if not is_open:
            self.result = {}

    @rx.event
    def set_account_mode(self, mode: str):
        if mode in conversion.ACCOUNT_MODES:
            self.account_mode = mode
            if mode == conversion.ACCOUNT_EXISTING and not self.account_choice and self.matches:
                self.account_choice = self.matches[0]["id"]

    @rx.event
    @handles_errors
    def search_accounts(self, text: str):
        """Other accounts to pick by name; the matches found for the lead stay listed first."""
        ctx = self._ctx()
        with session_scope() as session:
            found = conversion.find_accounts(session=session, ctx=ctx, text=text)
        suggested = [m for m in self.matches if m["reason"] != "search"]
        chosen = [m for m in self.matches if m["id"] == self.account_choice and m not in suggested]
        known = {m["id"] for m in suggested + chosen}
        self.matches = suggested + chosen + [
            {"id": str(m.id), "name": m.name, "website": m.website, "reason": m.reason}
            for m in found if str(m.id) not in known]

    @rx.event
    def set_account_choice(self, account_id: str):
        if any(m["id"] == account_id for m in self.matches):
            self.account_choice = account_id

    @rx.event
    def set_create_contact(self, on: bool):
        self.create_contact = bool(on)

    @rx.event
    def set_create_deal(self, on: bool):
        self.create_deal = bool(on)

    @rx.event
    @handles_errors
    def convert(self, form: dict[str, Any]):
        """Convert in one transaction; LeadAcquired is dispatched once it has committed."""
        ctx = self._ctx()
        self.field_errors = {}
        self.values = {**self.values, **{k: _text(form.get(k)) for k in
                                         (*ACCOUNT_FIELDS, *CONTACT_FIELDS, *DEAL_FIELDS)
                                         if k in form}}
        pick = lambda prefix, names: {n: _text(form.get(f"{prefix}_{n}"))  # noqa: E731
                                      for n in names}
        choice = ConversionIn(
            account_mode=self.account_mode,
            account_id=int(self.account_choice) if self.account_choice.isdigit() else None,
            account=AccountFields(**pick("account", AccountFields.__dataclass_fields__)),
            create_contact=self.create_contact,
            contact=ContactFields(**pick("contact", ContactFields.__dataclass_fields__)),
            create_deal=self.create_deal,
            deal=DealFields(**pick("deal", DealFields.__dataclass_fields__)),
        )
        with session_scope() as session:
            events.after_commit(session)
            done = conversion.convert(session=session, ctx=ctx, lead_id=self.conv_lead_id,
                                      conversion_in=choice)
            summary = {
                "lead_id": str(done.lead.id),
                "account_id": str(done.account.id) if done.account else "",
                "account_name": done.account.name if done.account else "",
                "account_created": "yes" if done.account_created else "",
                "contact_id": str(done.contact.id) if done.contact else "",
                "contact_name": (f"{done.contact.first_name} {done.contact.last_name}".strip()
                                 if done.contact else ""),
                "deal_id": str(done.deal.id) if done.deal else "",
                "deal_name": done.deal.name if done.deal else "",
                "lead_acquired": "yes" if done.lead_acquired else "",
            }
        self.result = summary
        return rx.toast.success(self.tr("Lead converted."))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _type_label(kind: int | None) -> str:
    try:
        return TYPE_LABELS[OutreachType(kind)] if kind is not None else ""
    except ValueError:
        return ""
