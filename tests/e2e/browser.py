"""Steps the browser tests share."""

from __future__ import annotations

import re


def sign_in(page, account):
    """Sign in on the login page and wait for the leads list it lands on."""
    page.goto("/login")
    page.fill("#email", account.email)
    page.fill("#password", account.password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r".*/leads$"))
