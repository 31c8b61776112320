"""The segment page in a real headless Chromium (Debian's, driven by Playwright): it
draws the numbers the API returned."""

from __future__ import annotations

import shutil

import httpx
import pytest

from tests.serving.conftest import Served

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no system Chromium: install Debian's `chromium` (apt-get install chromium); "
    ".ci/run installs it when missing",
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def test_the_page_draws_the_growth_line_and_distributions_the_api_returned(
    served: Served, browser
) -> None:
    segment_id, token = served.others_segment, served.token()
    headers = {"Authorization": f"Bearer {token}"}
    detail = httpx.get(f"{served.url}/v1/segments/{segment_id}/detail", headers=headers).json()
    performance = httpx.get(
        f"{served.url}/v1/segments/{segment_id}/performance", headers=headers
    ).json()
    page = browser.new_page()
    page.goto(f"{served.url}/segments/{segment_id}#token={token}")
    page.wait_for_selector("#page[aria-busy=false]")

    assert page.text_content("#name") == detail["name"]
    assert page.text_content("#total_matched") == f"{detail['total_matched']:,}"
    assert page.text_content("#whatsapp_pct") == f"{detail['reachability']['whatsapp_pct']:.1f}%"
    points = page.eval_on_selector_all(
        "#growth circle.point",
        "nodes => nodes.map(n => [n.dataset.day, Number(n.dataset.value)])",
    )
    assert points == [[p["day"], p["total_matched"]] for p in performance["growth"]]
    assert points, "the segment has at least one computed day"
    for dimension, buckets in performance["distributions"].items():
        drawn = page.eval_on_selector_all(
            f"#distribution-{dimension} g.bar",
            "nodes => nodes.map(n => [n.dataset.bucket, n.querySelector('.count').textContent])",
        )
        assert drawn == [[b["bucket"], str(b["contacts"])] for b in buckets], dimension
        assert sum(b["contacts"] for b in buckets) == detail["total_matched"]
    page.close()


def test_the_page_says_why_when_the_api_refuses(served: Served, browser) -> None:
    page = browser.new_page()
    page.goto(f"{served.url}/segments/{served.others_segment}#token=not-a-token")
    page.wait_for_selector("#page[aria-busy=false]")
    assert "Failed to load segment" in page.text_content("#status")
    assert "token" in page.text_content("#status")
    page.close()
