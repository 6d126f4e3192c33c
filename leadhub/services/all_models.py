"""Imports every module that defines tables, so Alembic and tests see the whole schema."""

from leadhub.services import models  # noqa: F401
from leadhub.services import contacts, followup, outreach, touches  # noqa: F401  (follow-up tables, touch events)
from leadhub.services.notifications import models as notification_models  # noqa: F401
from leadhub.services import team_signal  # noqa: F401  (board live-update counter)
from leadhub.services import custom_fields, merge, saved_views  # noqa: F401  (lead fields, merges, list views)
from leadhub.services.analytics import models as analytics_models  # noqa: F401  (channel costs, saved reports)
from leadhub.services import emails, predictive, scoring, segments, workflows  # noqa: F401  (nurturing)
from leadhub.services import forms, imports  # noqa: F401  (web forms, CSV imports)
from leadhub.services import api_keys, webhooks  # noqa: F401  (API keys, outgoing webhooks)
