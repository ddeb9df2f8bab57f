"""The ui component over HTTP: the page and its assets, compiled in, with the
right types and cache headers, small, and only at their own paths."""

from __future__ import annotations

import re

from conftest import fetch

PAGE_BUDGET_BYTES = 60 * 1024


def assets(base_url) -> list[str]:
    _, _, page = fetch(base_url, "/")
    return re.findall(r'(?:href|src)="(/ui/[^"]+)"', page.decode())


def test_the_page_is_html_revalidated_on_every_visit(base_url):
    status, headers, body = fetch(base_url, "/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-cache"
    assert int(headers["content-length"]) == len(body)
    assert body.startswith(b"<!doctype html>")


def test_the_assets_are_named_by_content_and_cached_for_a_year(base_url):
    types = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
    found = assets(base_url)
    assert sorted(path.rsplit(".", 1)[1] for path in found) == ["css", "js"]
    for path in found:
        status, headers, _ = fetch(base_url, path)
        assert status == 200, path
        assert headers["content-type"] == types["." + path.rsplit(".", 1)[1]]
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
        assert re.fullmatch(r'"[0-9a-f]{16}"', headers["etag"])


def test_a_known_etag_is_answered_304_without_a_body(base_url):
    for path in ["/", *assets(base_url)]:
        _, headers, _ = fetch(base_url, path)
        status, _, body = fetch(base_url, path, {"if-none-match": headers["etag"]})
        assert (status, body) == (304, b""), path
        status, _, _ = fetch(base_url, path, {"if-none-match": '"0000000000000000"'})
        assert status == 200, path


def test_the_page_and_its_assets_weigh_under_60_kb(base_url):
    total = sum(len(fetch(base_url, path)[2]) for path in ["/", *assets(base_url)])
    assert total < PAGE_BUDGET_BYTES


def test_the_page_may_load_and_call_only_its_own_origin(base_url):
    _, headers, _ = fetch(base_url, "/")
    policy = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    for directive in ("script-src", "style-src", "connect-src"):
        assert policy[directive] == "'self'", directive


def test_other_paths_under_ui_are_404_and_the_api_still_answers(base_url):
    status, headers, _ = fetch(base_url, "/ui/nothing.js")
    assert status == 404
    assert headers["content-type"].startswith("text/plain")
    status, _, body = fetch(base_url, "/health")
    assert (status, body) == (200, b'{"status":"ok","service":"gateway"}')
