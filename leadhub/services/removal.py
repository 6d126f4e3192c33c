"""Deleting a contact, deal, outreach or account without leaving dangling links, and who may.

Rows of other tables that point at the record lose the link (their optional foreign key is
cleared), so a deal outlives its contact and a lead its outreach; a row whose link is
required belongs to the record and goes with it. Tables are found from the schema, so
modules added later are covered without changes here. Leads have their own path
(`leads.delete_lead`), which also removes their files.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session, SQLModel

from leadhub.services import all_models  # noqa: F401  (every table registered, for the scan)
from leadhub.services import deals, outreach, touches
from leadhub.services.context import TeamContext
from leadhub.services.contacts import get_contact
from leadhub.services.errors import PermissionDenied


def _links_to(table_name: str):
    """(table, column) of every foreign key that points at `table_name`.id."""
    for table in SQLModel.metadata.sorted_tables:
        for column in table.c:
            if any(fk.column.table.name == table_name for fk in column.foreign_keys):
                yield table, column


def remove(*, session: Session, ctx: TeamContext, record: SQLModel) -> None:
    """Unlink or delete what points at `record` (in the caller's team), then delete it."""
    table_name = record.__table__.name
    for table, column in _links_to(table_name):
        if table.name == table_name:
            continue
        conditions = [column == record.id]
        if "team_id" in table.c:
            conditions.append(table.c.team_id == ctx.team_id)
        if column.nullable:
            session.execute(update(table).where(*conditions).values({column.name: None})
                            .execution_options(synchronize_session=False))
        else:
            session.execute(delete(table).where(*conditions)
                            .execution_options(synchronize_session=False))
    session.delete(record)
    session.flush()


def delete_contact(*, session: Session, ctx: TeamContext, contact_id: int) -> None:
    """Reps delete their own contacts; managers and admins any of the team's."""
    contact = get_contact(session=session, ctx=ctx, contact_id=contact_id)
    touches.require_record_access(ctx, contact.owner_id)
    remove(session=session, ctx=ctx, record=contact)


def delete_deal(*, session: Session, ctx: TeamContext, deal_id: int) -> None:
    """Reps delete their own deals; managers and admins any of the team's."""
    deal = deals.get_deal(session=session, ctx=ctx, deal_id=deal_id)
    touches.require_record_access(ctx, deal.owner_id)
    remove(session=session, ctx=ctx, record=deal)


def delete_outreach(*, session: Session, ctx: TeamContext, outreach_id: int) -> None:
    """The rep who logged it, or a manager, may delete an outreach; what it produced stays."""
    item = outreach.get_outreach(session=session, ctx=ctx, outreach_id=outreach_id)
    if item.user_id != ctx.user_id and not ctx.is_manager:
        raise PermissionDenied("Only the rep who logged it, or a manager, can delete this outreach.")
    remove(session=session, ctx=ctx, record=item)
