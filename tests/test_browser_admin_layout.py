"""The admin's layout in a real browser (Debian's Chromium through Playwright, as in
``tests/test_browser_admin.py``): a straight chat is flat, a regenerated reply is indented, the
conversation list fits a 1400 px window, the owner filter suggests emails; screenshots of the
tree and the list are saved under ``var/``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import ContentPartFactory, ConversationFactory, MessageFactory, UserFactory
from tests.test_browser_admin import PASSWORD, _chromium_or_fail

VAR = Path(settings.BASE_DIR) / "var"


@pytest.mark.django_db(transaction=True)
def test_tree_indents_only_at_branches_and_the_list_fits_1400px(live_server, monkeypatch):
    executable = _chromium_or_fail()
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    staff = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    staff.set_password(PASSWORD)
    staff.save()
    owner = UserFactory(email="a.rather.long.address.for.an.owner@example.com")
    convo = ConversationFactory(
        user=owner, title="Regenerated answer about Python " * 3, tags=["Work"]
    )
    start = timezone.now() - timedelta(minutes=10)
    parent = "00000000-0000-0000-0000-000000000000"
    chain = []
    for i, text in enumerate(
        ["How do I sort a list?", "Use sorted():\n\n    sorted(items, key=len)", "And reverse?"]
    ):
        message = MessageFactory(
            conversation=convo,
            parent_message_id=parent,
            is_created_by_user=i % 2 == 0,
            text=text,
            created_at=start + timedelta(seconds=i),
        )
        ContentPartFactory(message=message, index=0, type="text", text=text)
        chain.append(message)
        parent = message.message_id
    for j, text in enumerate(["Pass reverse=True.", "Or call items.reverse() after sorting."]):
        MessageFactory(
            conversation=convo,
            parent_message_id=chain[-1].message_id,
            is_created_by_user=False,
            text=text,
            created_at=start + timedelta(seconds=10 + j),
        )
    for n in range(12):
        ConversationFactory(user=owner, title=f"Another conversation with a longish title {n}")
    VAR.mkdir(parents=True, exist_ok=True)
    tree_shot = VAR / "admin-tree.png"
    list_shot = VAR / "admin-conversation-list.png"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.goto(f"{live_server.url}/admin/login/?next=/admin/convos_app/conversation/")
        page.fill("#id_username", "ops@example.com")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#result_list")
        page.screenshot(path=str(list_shot), full_page=True)
        widths = page.evaluate(
            "() => { const results = document.querySelector('#changelist .results');"
            " return [document.documentElement.scrollWidth, results.scrollWidth,"
            " results.clientWidth,"
            " document.querySelector('#result_list').getBoundingClientRect().right]; }"
        )
        # No horizontal scrolling, neither of the page nor inside the results box.
        assert widths[0] <= 1400 and widths[1] <= widths[2] and widths[3] <= 1400, widths
        headers = page.inner_text("#result_list thead")
        assert "LAST ACTIVITY" in headers.upper(), headers
        # The owner filter suggests emails as one types part of one.
        page.fill("input[name=owner]", "rather.long")
        page.wait_for_function(
            "() => document.querySelectorAll('#chatcore-suggest-owner option').length > 0"
        )
        suggested = page.evaluate(
            "() => [...document.querySelectorAll('#chatcore-suggest-owner option')]"
            ".map(o => o.value)"
        )
        assert suggested == ["a.rather.long.address.for.an.owner@example.com"]

        page.click(f"#result_list a[href$='/{convo.pk}/change/']")
        page.wait_for_selector("#message-tree")
        lefts = page.evaluate(
            "() => [...document.querySelectorAll('#message-tree .chatcore-message')]"
            ".map(e => Math.round(e.getBoundingClientRect().left))"
        )
        code = page.evaluate(
            "() => getComputedStyle(document.querySelectorAll("
            "'#message-tree .chatcore-text')[1]).whiteSpace"
        )
        texts = page.inner_text("#message-tree")
        page.screenshot(path=str(tree_shot), full_page=True)
        assert page.query_selector("input[name=_save]") is None
        browser.close()

    # The straight part (three messages) is flat; the two regenerated replies are indented.
    assert len(lefts) == 5
    assert lefts[0] == lefts[1] == lefts[2], lefts
    assert lefts[3] == lefts[4] == lefts[0] + 24, lefts
    assert code == "pre-wrap"
    assert texts.count("sorted(items, key=len)") == 1
    assert tree_shot.stat().st_size > 1000 and list_shot.stat().st_size > 1000
