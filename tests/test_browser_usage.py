"""The staff usage dashboard in a real browser (Playwright driving Debian's Chromium against a
live server): the vendored Chart.js loads from static files, all four charts draw with the
seeded numbers, the range form works, the CSV downloads; a screenshot goes to ``var/``."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from chatcore.ai.base import ModelSpec
from tests.factories import UserFactory, priced_reply
from tests.test_browser_admin import PASSWORD, _chromium_or_fail

SPECS = [
    ModelSpec(id=m, endpoint=e, provider_model=m, context_window=8192, max_output_tokens=1024)
    for m, e in [("gpt-4o", "openAI"), ("gpt-4o-mini", "openAI"), ("claude-haiku-4-5", "anthropic")]
]
CHARTS = ["chart-daily", "chart-models", "chart-users", "chart-feedback"]


def seed() -> None:
    users = [UserFactory(email=f"{name}@example.com") for name in ("alice", "bob", "carol")]
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    for n in range(60):
        user, spec = users[n % 3], SPECS[n % len(SPECS)]
        at = noon - timedelta(days=n % 14, minutes=n)
        priced_reply(
            user=user,
            spec=spec,
            at=at,
            input_tokens=1000 + 37 * n,
            output_tokens=200 + 11 * n,
            rating="thumbsDown" if n % 4 == 0 else "thumbsUp",
        )


@pytest.mark.django_db(transaction=True)
def test_usage_dashboard_draws_its_charts_in_a_real_browser(live_server, monkeypatch):
    executable = _chromium_or_fail()
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    staff = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    staff.set_password(PASSWORD)
    staff.save()
    seed()
    screenshot = Path(settings.BASE_DIR) / "var" / "usage-dashboard.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        page = browser.new_context(
            accept_downloads=True, viewport={"width": 1280, "height": 900}
        ).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/admin/login/?next=/admin/convos_app/usagerecord/")
        page.fill("#id_username", "ops@example.com")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.click("text=Analytics dashboard")
        page.wait_for_selector("#usage-analytics[data-charts-ready='4']")
        drawn = page.evaluate(
            """(ids) => ids.map((id) => {
                const chart = Chart.getChart(document.getElementById(id));
                return chart ? [chart.config.type, chart.data.labels.length,
                                chart.data.datasets.map((d) => d.data.length)] : null;
            })""",
            CHARTS,
        )
        assert errors == []
        daily, models, users, feedback = drawn
        assert daily[1] == 30 and daily[2] == [30, 30]
        assert models[1] == 3 and models[2] == [3, 3]
        assert users[1] == 3 and users[2] == [3]
        assert feedback[1] == 14 and len(feedback[2]) == 3
        # The canvases are really painted (not blank).
        painted = page.evaluate(
            """(ids) => ids.map((id) => {
                const c = document.getElementById(id);
                const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0; for (let i = 3; i < px.length; i += 4) if (px[i]) n++;
                return n;
            })""",
            CHARTS,
        )
        assert all(n > 1000 for n in painted), painted
        assert "alice@example.com" in page.inner_text("#table-users")
        page.screenshot(path=str(screenshot), full_page=True)

        since = (timezone.now() - timedelta(days=6)).date().isoformat()
        page.fill("input[name=since]", since)
        page.click("input[value=Show]")
        page.wait_for_url(f"**since={since}*")
        page.wait_for_selector("#usage-analytics[data-charts-ready='4']")
        labels = page.evaluate("Chart.getChart(document.getElementById('chart-daily')).data.labels")
        assert len(labels) == 7 and labels[0] == since

        with page.expect_download() as download_info:
            page.click("#usage-csv")
        download = download_info.value
        assert download.suggested_filename.startswith(f"usage-{since}-")
        rows = list(csv.reader(io.StringIO(Path(download.path()).read_text())))
        browser.close()

    assert rows[0][:2] == ["section", "key"]
    assert [row[1] for row in rows if row[0] == "day"] == labels
    assert screenshot.stat().st_size > 10_000
