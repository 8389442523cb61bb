"""A real browser in the admin: Playwright driving Debian's Chromium against a live server.

Logs in as staff, opens the conversation list, filters it, opens a conversation (the message
tree is on the page), runs "Export selected" and checks the downloaded JSON, then saves a
screenshot under ``var/``. ``make test`` installs Chromium from Debian packages when it is
missing (``scripts/ensure_chromium.sh``); if it is still missing this test fails with the
reason — it is never skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import ConversationFactory, UserFactory, message_chain

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_LOG = Path(settings.BASE_DIR) / "var" / "chromium-install.log"
PASSWORD = "browser-test-password-1"


def _chromium_or_fail() -> str:
    if CHROMIUM.exists():
        return str(CHROMIUM)
    reason = ""
    if INSTALL_LOG.exists():
        reason = "\n" + "\n".join(INSTALL_LOG.read_text(errors="replace").splitlines()[-15:])
    pytest.fail(
        f"Chromium is not installed at {CHROMIUM}; `make test` installs it with "
        f"`apt-get install -y chromium` (scripts/ensure_chromium.sh).{reason}"
    )


@pytest.mark.django_db(transaction=True)
def test_staff_filters_opens_and_exports_in_a_real_browser(live_server, monkeypatch, tmp_path):
    executable = _chromium_or_fail()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls below are plain
    # synchronous test set-up, made before/after the browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    staff = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    staff.set_password(PASSWORD)
    staff.save()
    alice = UserFactory(email="alice@example.com")
    bob = UserFactory(email="bob@example.com")
    wanted = ConversationFactory(user=alice, title="Browser target", tags=["work"])
    message_chain(wanted, 4)
    ConversationFactory(user=bob, title="Someone else entirely")
    screenshot = Path(settings.BASE_DIR) / "var" / "admin-browser-test.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        page = browser.new_context(accept_downloads=True).new_page()
        page.goto(f"{live_server.url}/admin/login/?next=/admin/convos_app/conversation/")
        page.fill("#id_username", "ops@example.com")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#result_list")
        listing = page.inner_text("#result_list")
        assert "Browser target" in listing and "Someone else entirely" in listing

        page.fill("input[name=owner]", "alice@example.com")
        page.press("input[name=owner]", "Enter")
        page.wait_for_url("**owner=alice*")
        listing = page.inner_text("#result_list")
        assert "Browser target" in listing and "Someone else entirely" not in listing

        page.click("#result_list a:text('Browser target')")
        page.wait_for_selector("#message-tree")
        assert "Messages (4)" in page.inner_text("#message-tree")
        page.screenshot(path=str(screenshot), full_page=True)

        page.go_back()
        page.wait_for_selector("#result_list")
        page.check("#result_list input[name=_selected_action]")
        page.select_option("select[name=action]", "export_selected")
        with page.expect_download() as download_info:
            page.click("button[name=index]")
        target = tmp_path / "export.json"
        download_info.value.save_as(str(target))
        assert download_info.value.suggested_filename.startswith("conversations-")
        browser.close()

    (document,) = json.loads(target.read_text())
    assert document["title"] == "Browser target"
    assert document["tags"] == ["work"]
    assert screenshot.stat().st_size > 1000
