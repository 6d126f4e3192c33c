"""Source details of a lead: the UTM parameters, referrer and page its web-form submissions
recorded, newest first and team-scoped; only http(s) addresses are offered as links."""

import pytest

from leadhub.services import forms, source_details
from leadhub.services.errors import NotFound
from tests.services.test_forms import make_form, published


def test_a_leads_visits_are_listed_newest_first_with_what_the_browser_sent(session, team_a, team_b):
    pub = published(session, make_form(session, team_a))
    first = forms.submit(session=session, form=pub, values={"last_name": "Peña", "email": "ana@acme.es"},
                         visit=forms.Visit(utm={"utm_source": "google", "utm_medium": "cpc",
                                                "utm_campaign": "primavera <2026>"},
                                           referrer="https://www.google.es/search?q=crm",
                                           page_url="https://www.acme.es/contacto?utm_source=google"))
    session.commit()
    again = forms.submit(session=session, form=pub, values={"last_name": "Peña", "email": "ana@acme.es"},
                         visit=forms.Visit(utm={"utm_source": "<script>alert(1)</script>"},
                                           page_url="javascript:alert(1)"))
    forms.submit(session=session, form=pub, values={"last_name": "Peña", "email": "ana@acme.es"})  # told nothing
    session.commit()
    assert again.lead_id == first.lead_id and not again.created
    visits = source_details.lead_source_visits(session=session, ctx=team_a.rep_ctx, lead_id=first.lead_id)
    assert [v.submission_id for v in visits] == [again.submission_id, first.submission_id]
    latest, oldest = visits
    assert latest.utm == {"utm_source": "<script>alert(1)</script>"} and latest.page_url == "javascript:alert(1)"
    assert oldest.utm == {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "primavera <2026>"}
    assert oldest.referrer == "https://www.google.es/search?q=crm" and oldest.created_lead
    assert oldest.form_name == "Contact us"
    assert len(source_details.lead_source_visits(session=session, ctx=team_a.rep_ctx, lead_id=first.lead_id,
                                                 limit=1)) == 1
    with pytest.raises(NotFound):
        source_details.lead_source_visits(session=session, ctx=team_b.admin_ctx, lead_id=first.lead_id)


@pytest.mark.parametrize("url, link", [
    ("https://www.acme.es/contacto?a=1&b=2", "https://www.acme.es/contacto?a=1&b=2"),
    ("HTTP://Acme.es/", "HTTP://Acme.es/"),
    ("javascript:alert(1)", ""),
    ("JaVaScRiPt:alert(1)", ""),
    (" data:text/html,<b>x</b>", ""),
    ("//evil.example/x", ""),
    ("https://acme.es/\"onmouseover=alert(1)", ""),
    ("https://", ""),
    ("", ""),
])
def test_only_http_addresses_become_links(url, link):
    assert source_details.safe_link(url) == link
