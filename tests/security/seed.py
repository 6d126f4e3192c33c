"""Team B ("Zorro Beta"): one record of every kind, each carrying the marker ZORRO, made through
the services; and a snapshot of every row team B owns, to prove nothing of B changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlmodel import Session, SQLModel

from leadhub.services import (
    accounts,
    activities,
    api_keys,
    campaigns,
    contacts,
    custom_fields,
    deals,
    documents,
    emails,
    forms,
    imports,
    leads,
    notes,
    outreach,
    saved_views,
    scoring,
    segments,
    webhooks,
    workflows,
)
from leadhub.services.analytics import costs, reports
from leadhub.services.models import Membership
from tests.conftest import TeamFixture

MARKER = "zorro"           # every text of team B contains it (case-insensitive)
TEAM_B_NAME = "Zorro Beta"


@dataclass
class TeamB:
    team: TeamFixture
    ids: dict[str, int] = field(default_factory=dict)       # kind → id
    keys: dict[str, str] = field(default_factory=dict)      # kind → string identifier
    api_token: str = ""

    @property
    def id_values(self) -> list[int]:
        """Every distinct id a record of B has (a crawl with each covers every kind)."""
        return sorted(set(self.ids.values()))


def seed_team_b(session: Session, monkeypatch) -> TeamB:
    monkeypatch.setenv("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", "1")
    team = TeamFixture(session, TEAM_B_NAME, timezone="America/Mexico_City")
    ctx = team.admin_ctx
    b = TeamB(team)
    b.ids.update(team=team.team.id, admin=team.admin.id, manager=team.manager.id, rep=team.rep.id,
                 rep2=team.rep2.id)
    field_def = custom_fields.create_field(session=session, ctx=ctx, label="Zorro Región", type="text")
    b.keys["custom_field"] = field_def.key
    b.ids["custom_field"] = field_def.id
    lead = leads.create_lead(session=session, ctx=ctx, data={
        "first_name": "Zorro", "last_name": "Zorrilla", "company": "Zorro SA", "email": "zorro@zorro-beta.mx",
        "phone": "+52 55 1234 5678", "owner_id": team.rep.id, "custom_fields": {field_def.key: "Zorro Norte"}})
    lead2 = leads.create_lead(session=session, ctx=ctx, data={
        "first_name": "Zorra", "last_name": "Zorrita", "company": "Zorro SA", "email": "zorra@zorro-beta.mx"})
    b.ids.update(lead=lead.id, lead2=lead2.id)
    touch = outreach.log_outreach(session=session, ctx=ctx, type="email", description="Zorro hola",
                                  occurred_at="2026-01-05 10:00", email="zorro@zorro-beta.mx", lead_id=lead.id)
    account = accounts.create_account(session=session, ctx=ctx, data={"name": "Zorro Cuenta"})
    contact = contacts.create_contact(session=session, ctx=ctx, data={
        "first_name": "Zorro", "last_name": "Contacto", "account_id": account.id, "email": "c@zorro-beta.mx"})
    deal = deals.create_deal(session=session, ctx=ctx, deal_in=deals.DealCreate(name="Zorro trato",
                                                                                contact_id=contact.id))
    activity = activities.create_activity(session=session, ctx=ctx, lead_id=lead.id,
                                          data={"subject": "Zorro llamar"})
    note = notes.add_note(session=session, ctx=ctx, lead_id=lead.id, body="Zorro nota")
    document = documents.upload_document(session=session, ctx=ctx, lead_id=lead.id, filename="zorro.txt",
                                         content=b"zorro secreto", content_type="text/plain")
    campaign = campaigns.create_campaign(session=session, ctx=ctx, name="Zorro campaña")
    campaigns.add_lead(session=session, ctx=ctx, campaign_id=campaign.id, lead_id=lead.id)
    segment = segments.create_segment(session=session, ctx=ctx, data={
        "name": "Zorro segmento", "entity": "lead", "match": "all", "shared": True,
        "conditions": [{"field": "company", "operator": "contains", "value": "Zorro"}]})
    template = emails.create_template(session=session, ctx=ctx, data={
        "name": "Zorro plantilla", "subject": "Zorro asunto", "body": "Hola {{first_name}} zorro"})
    sequence = emails.create_sequence(session=session, ctx=ctx, name="Zorro secuencia",
                                      steps=[{"kind": "send", "template_id": template.id}])
    emails.save_smtp(session=session, ctx=ctx, data={
        "host": "smtp.zorro-beta.mx", "port": "587", "security": "starttls", "username": "zorro",
        "password": "zorro-pass", "from_email": "ventas@zorro-beta.mx", "from_name": "Zorro Ventas"})
    enrollment = emails.enroll(session=session, ctx=ctx, sequence_id=sequence.id, lead_id=lead2.id)
    message = emails.send_to_lead(session=session, ctx=ctx, template_id=template.id, lead_id=lead.id)
    rule = workflows.save_rule(session=session, ctx=ctx, data={
        "name": "Zorro regla", "trigger": "lead_created", "trigger_config": {}, "conditions": [],
        "actions": [{"type": "set_field", "field": "city", "value": "Zorro City"}]})
    form = forms.save_form(session=session, ctx=ctx, data={
        "name": "Zorro formulario", "fields": [{"name": "last_name"}, {"name": "email", "required": True}],
        "lead_source": "Web Form", "thank_you_en": "Zorro thanks", "thank_you_es": "Zorro gracias"})
    job = imports.start_import(session=session, ctx=ctx, file_bytes=b"last_name,email\nZorro Import,i@zorro-beta.mx\n",
                               filename="zorro.csv", mapping={"last_name": "last_name", "email": "email"},
                               options={}, enqueue=False)
    mapping = imports.save_mapping(session=session, ctx=ctx, name="Zorro mapeo",
                                   mapping={"last_name": "last_name"})
    view = saved_views.save_view(session=session, ctx=ctx, name="Zorro vista", filters={"status": "New"},
                                 columns=["company"], sort="created_at", shared=True)
    key, b.api_token = api_keys.create_key(session=session, ctx=ctx, name="Zorro llave", role="admin",
                                           user_id=team.admin.id)
    endpoint, _ = webhooks.create_endpoint(session=session, ctx=ctx, url="http://127.0.0.1:9/zorro",
                                           events=["lead.created"])
    score_rule = scoring.add_rule(session=session, ctx=ctx, data={
        "kind": scoring.FIELD_RULE, "field": "title", "operator": "equals", "value": "Zorro", "points": 5})
    report = reports.save_report(session=session, ctx=ctx, name="Zorro informe", shared=True,
                                 spec=reports.ReportSpec(object="leads", group_by=("lead_source",)))
    cost = costs.set_cost(session=session, ctx=ctx, cost_in=costs.CostIn(
        month="2026-01", type="email", channel="", amount="12.50", note="Zorro coste"))
    from leadhub.services.notifications import NotificationChannelUpdate, save_channel
    save_channel(session=session, ctx=ctx, kind="slack", channel_in=NotificationChannelUpdate(
        enabled=True, secret="https://hooks.slack.com/services/T0001/B0001/XXXXzorroXXXXwebhook"))
    session.commit()
    b.ids.update(outreach=touch.id, account=account.id, contact=contact.id, deal=deal.id,
                 activity=activity.id, note=note.id, document=document.id, campaign=campaign.id,
                 segment=segment.id, template=template.id, sequence=sequence.id, enrollment=enrollment.id,
                 email_message=message.id, workflow=rule.id, form=form.id, import_job=job.id,
                 import_mapping=mapping.id, api_key=key.id, webhook=endpoint.id,
                 scoring_rule=score_rule.id, report=report.id, cost=cost.id)
    b.keys.update(form=form.key, saved_view=view.key, email_token=message.token)
    return b


def snapshot(session: Session, team_id: int) -> dict[str, str]:
    """A digest of every row team B owns, per table (its team, members and their users too)."""
    digests: dict[str, str] = {}
    session.expire_all()
    user_ids = [m.user_id for m in session.query(Membership).filter(Membership.team_id == team_id)]
    conn = session.connection()
    for table in SQLModel.metadata.sorted_tables:
        if table.name == "user_session":
            continue  # B's own logins; A never touches them (checked by the auth tests)
        if "team_id" in table.c:
            rows = conn.execute(table.select().where(table.c.team_id == team_id).order_by(*table.primary_key.columns))
        elif table.name == "team":
            rows = conn.execute(table.select().where(table.c.id == team_id))
        elif table.name == "user":
            rows = conn.execute(table.select().where(table.c.id.in_(user_ids)).order_by(table.c.id))
        else:
            continue
        digests[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    conn.execute(text("SELECT 1"))
    return digests


NAMED_LINKS = {"lead_id": "lead", "contact_id": "contact", "deal_id": "deal", "account_id": "account",
               "outreach_id": "outreach", "campaign_id": "campaign", "form_id": "web_form",
               "sequence_id": "email_sequence", "template_id": "email_template",
               "enrollment_id": "sequence_enrollment", "rule_id": "workflow_rule",
               "endpoint_id": "webhook_endpoint", "import_id": "import_job", "event_id": "domain_event",
               "notification_id": "notification", "survivor_id": "lead"}
USER_LINKS = ("user_id", "owner_id", "author_id", "created_by", "sent_by")


def cross_team_links(session: Session) -> list[str]:
    """Rows that point at a record of another team, or at a user who is not in their team."""
    found: list[str] = []
    tables = {t.name: t for t in SQLModel.metadata.sorted_tables}
    conn = session.connection()
    for table in tables.values():
        if "team_id" not in table.c:
            continue
        for column in table.c:
            target = None
            for fk in column.foreign_keys:
                target = fk.column.table.name
            if target is None and column.name.endswith("_id"):
                target = NAMED_LINKS.get(column.name) or NAMED_LINKS.get(column.name.replace("converted_", ""))
            if column.name == "team_id" or target is None:
                continue
            if target == "user":
                sql = (f'SELECT c.id FROM "{table.name}" c WHERE c."{column.name}" IS NOT NULL AND NOT EXISTS '
                       f'(SELECT 1 FROM membership m WHERE m.team_id = c.team_id AND m.user_id = c."{column.name}")')
            elif target in tables and "team_id" in tables[target].c and target != table.name or (
                    target == table.name and column.name != "id"):
                sql = (f'SELECT c.id FROM "{table.name}" c JOIN "{target}" p ON p.id = c."{column.name}" '
                       f'WHERE p.team_id <> c.team_id')
            else:
                continue
            bad = [row[0] for row in conn.execute(text(sql))]
            if bad:
                found.append(f"{table.name}.{column.name} → {target} of another team: ids {bad[:5]}")
    return found
