"""The Reflex app: pages, and the HTTP routes mounted beside them."""

import reflex as rx

from leadhub.api import api
from leadhub.api import live as live_routes
from leadhub.api.public_cors import PublicFormsApp
from leadhub.pages.auth import login_page, signup_page
from leadhub.pages.board import board_page
from leadhub.pages.forms import forms_page
from leadhub.pages.imports import import_page
from leadhub.pages.deals import deals_page
from leadhub.pages.contacts import contact_detail_page, contacts_page
from leadhub.pages.followup import followup_page
from leadhub.pages.leads import leads_page
from leadhub.pages.duplicates import duplicates_page
from leadhub.pages.lead_detail import lead_detail_page
from leadhub.pages.lead_fields import lead_fields_page
from leadhub.pages.outreach import outreach_page
from leadhub.pages.placeholder import coming_soon
from leadhub.pages.settings import settings_page
from leadhub.pages.nurturing import register_nurturing_pages
from leadhub.state.auth_pages import LoginState
from leadhub.state.board import BoardState, listen_for_announcements
from leadhub.state.forms import FormsState
from leadhub.state.imports import ImportState
from leadhub.state.deals import DealsState
from leadhub.state.contacts import ContactDetailState, ContactsState
from leadhub.state.followup import FollowUpState
from leadhub.state.leads import LeadsState
from leadhub.state.duplicates import DuplicatesState
from leadhub.state.lead_detail import LeadDetailState
from leadhub.state.lead_fields import LeadFieldsState
from leadhub.state.outreach import OutreachState
from leadhub.state.session import SessionState
from leadhub.state.settings import SettingsState
from leadhub.pages.analytics import analytics_page  # noqa: E402
from leadhub.pages.analytics_reports import costs_page, reports_page  # noqa: E402
from leadhub.state.analytics import DashboardState  # noqa: E402
from leadhub.state.analytics_reports import CostsState, ReportsState  # noqa: E402


def index() -> rx.Component:
    """Sends the browser to its leads, or to the login page."""
    return rx.center(rx.spinner(), height="100vh")


# Changes committed by the worker and the CLI reach open boards: a signed POST without Redis,
# one Redis subscriber per app worker with it (leadhub.services.live).
api.include_router(live_routes.router)

app = PublicFormsApp(head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
             api_transformer=api)
app.register_lifespan_task(listen_for_announcements)
app.add_page(index, route="/", on_load=[SessionState.require_login, rx.redirect("/leads")],
             title="LeadHub")
app.add_page(login_page, route="/login", on_load=LoginState.redirect_if_signed_in,
             title="LeadHub · Sign in")
app.add_page(signup_page, route="/signup", title="LeadHub · Create your team")
app.add_page(leads_page, route="/leads", on_load=[SessionState.require_login, LeadsState.load],
             title="LeadHub · Leads")
app.add_page(duplicates_page, route="/leads/duplicates",
             on_load=[SessionState.require_login, DuplicatesState.load], title="LeadHub · Duplicates")
app.add_page(lead_fields_page, route="/leads/fields",
             on_load=[SessionState.require_login, LeadFieldsState.load], title="LeadHub · Lead fields")
app.add_page(lead_detail_page, route="/leads/[lead_id]",
             on_load=[SessionState.require_login, LeadDetailState.load], title="LeadHub · Lead")
app.add_page(settings_page, route="/settings",
             on_load=[SessionState.require_login, SettingsState.load], title="LeadHub · Settings")
app.add_page(board_page, route="/board", on_load=[SessionState.require_login, BoardState.on_load],
             title="LeadHub · Board")
app.add_page(outreach_page, route="/outreach", on_load=[SessionState.require_login, OutreachState.load],
             title="LeadHub · Outreach")
app.add_page(contacts_page, route="/contacts",
             on_load=[SessionState.require_login, ContactsState.load_page], title="LeadHub · Contacts")
app.add_page(contact_detail_page, route="/contacts/[contact_id]",
             on_load=[SessionState.require_login, ContactDetailState.load], title="LeadHub · Contact")
app.add_page(followup_page, route="/followup", on_load=[SessionState.require_login, FollowUpState.load],
             title="LeadHub · Follow-up")
app.add_page(analytics_page, route="/analytics", on_load=[SessionState.require_login, DashboardState.load],
             title="LeadHub · Analytics")
app.add_page(reports_page, route="/analytics/reports", on_load=[SessionState.require_login, ReportsState.load],
             title="LeadHub · Reports")
app.add_page(costs_page, route="/analytics/costs", on_load=[SessionState.require_login, CostsState.load],
             title="LeadHub · Channel costs")
app.add_page(deals_page, route="/deals", on_load=[SessionState.require_login, DealsState.load],
             title="LeadHub · Deals")
register_nurturing_pages(app)
app.add_page(forms_page, route="/forms", on_load=[SessionState.require_login, FormsState.load],
             title="LeadHub · Web forms")
app.add_page(import_page, route="/leads/import", on_load=[SessionState.require_login, ImportState.load],
             title="LeadHub · Import leads")
