"""The production build starts, answers, and renders LeadHub in a real browser."""

import json
import re
import urllib.request

import pytest

pytestmark = pytest.mark.e2e


def test_ping_answers_pong(live_app):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{live_app.url}/ping", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == "pong"


def test_index_renders_and_connects(page, screenshot):
    from playwright.sync_api import expect

    page_errors: list[str] = []
    frames_received: list[object] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    # The websocket carries every event: without it the page looks fine and does nothing.
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: frames_received.append(frame)))

    page.goto("/")

    expect(page.locator("body")).to_contain_text(re.compile("LeadHub", re.IGNORECASE))
    for _ in range(100):
        if frames_received:
            break
        page.wait_for_timeout(100)
    screenshot("smoke-index")
    assert frames_received, "the page never heard from the backend over its websocket"
    assert page_errors == []
