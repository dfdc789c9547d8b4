"""The walk: every page a person reaches by following links, at a phone's and a desktop's width.

:class:`Walker` signs a person in (one browser context per width), notes where they landed, then
follows the same-origin links breadth-first. Pages are deduplicated by route (the endpoint the
app's url_map matches), so a list of fifty tasks costs one task page. Each HTML page is checked at
both widths (status, sideways scroll, raw placeholders, English leftovers, CSP) and screenshotted;
axe-core runs once per (endpoint, width) over the whole walk. Everything found is collected as
:class:`Problem` rows, so one run reports every failure at once.
"""

from __future__ import annotations

import queue
import re
import threading
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from flask import Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from tests.fixtures.browser import AXE, AXE_RUN, CHROMIUM, CHROMIUM_ARGS, axe_violations

WIDTHS = (390, 1280)
#: Bound of the crawl, in distinct routes per person: reaching it is a failure, never a silent stop.
MAX_PAGES = 80
#: Paths never followed: machine faces (API, OGC, Open311, health) and assets.
SKIPPED_PREFIXES = ("/api/", "/static/", "/ogc/", "/open311/", "/healthz", "/readyz")
SANDBOX = "/_sandbox/"
SIGN_OUT = re.compile(r"\b(salir|cerrar sesi[oó]n|logout|sign ?out)\b", re.IGNORECASE)
#: Werkzeug's own English pages, and English UI words that must never show as whole words.
ENGLISH_PAGES = ("Not Found", "Internal Server Error", "Method Not Allowed", "Redirecting", "Bad Request",
                 "Forbidden", "Unauthorized")
ENGLISH_WORDS = re.compile(r"\b(Submit|Cancel|Save|Delete|Next|Previous|Loading|Search|Close)\b")
HTML = "text/html"

LINKS = """() => Array.from(document.querySelectorAll('a[href]')).map(a => ({
  href: a.href, text: a.innerText || a.getAttribute('aria-label') || '', download: a.hasAttribute('download')}))"""
#: What the checks read from the page; ``wide`` names the innermost elements past the right edge.
FACTS = """() => {
  const clipped = el => { for (let a = el.parentElement; a; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
  const past = el => el.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(el);
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const leaves = test => Array.from(document.body ? document.body.querySelectorAll('*') : [])
    .filter(el => test(el) && !Array.from(el.children).some(test)).slice(0, 3).map(name);
  const beyond = el => el.getBoundingClientRect().right > window.innerWidth + 1;
  // an absolutely placed element escapes a scrolling box that is not its containing block
  const wide = document.documentElement.scrollWidth <= window.innerWidth ? [] :
    (leaves(past).length ? leaves(past) : leaves(beyond));
  // text too long for its box overflows it: name the text's element
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const overflows = document.documentElement.scrollWidth > window.innerWidth;
  for (let node = walker.nextNode(); node && overflows && wide.length < 3; node = walker.nextNode()) {
    range.selectNodeContents(node);
    if (range.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(node)) {
      wide.push(name(node.parentElement) + ' «' + node.textContent.trim().slice(0, 40) + '»');
    }
  }
  return {lang: document.documentElement.lang, title: document.title,
    text: document.body ? document.body.innerText : '', wide: wide,
    scroll: document.documentElement.scrollWidth, inner: window.innerWidth};
}"""


@dataclass(frozen=True)
class Problem:
    who: str
    width: int | str
    url: str
    problem: str

    def __str__(self) -> str:
        return f"{self.who:<12} {self.width!s:>5}  {self.url}  {self.problem}"


@dataclass
class Walk:
    """What one run found, shared by the walkers of every thread: the problems, the routes
    checked with axe, the routes known to serve HTML (checked ahead once), the pages seen."""

    screens: Path
    problems: list[Problem] = field(default_factory=list)
    axed: set[tuple[str, int]] = field(default_factory=set)
    html: set[str] = field(default_factory=set)
    visits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def first_axe(self, route: str, width: int) -> bool:
        """True once per (route, width) over the whole walk: axe runs there."""
        with self.lock:
            fresh = (route, width) not in self.axed
            self.axed.add((route, width))
            return fresh

    def note(self, problem: Problem) -> None:
        with self.lock:
            self.problems.append(problem)


@dataclass(frozen=True)
class Visitor:
    """Who walks: a demo username (or ``anonimo`` with no password), where they start besides
    their landing, and where they must land after signing in."""

    who: str
    password: str | None
    starts: tuple[str, ...] = ()
    landings: tuple[str, ...] = ()


def walk_all(app: Flask, browser: Any, base: str, walk: Walk, visitors: Iterable[Visitor], workers: int) -> None:
    """Walk as every visitor, ``workers`` at a time: ``browser`` in this thread, a Chromium of
    their own in the others (Playwright's sync API serves one thread per instance)."""
    pending: queue.Queue[Visitor] = queue.Queue()
    for visitor in visitors:
        pending.put(visitor)

    def work(chromium: Any) -> None:
        walker = Walker(app, chromium, base, walk)
        while True:
            try:
                visitor = pending.get_nowait()
            except queue.Empty:
                return
            walker.run(visitor)

    def work_apart() -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            try:
                work(chromium)
            finally:
                chromium.close()

    with ThreadPoolExecutor(max_workers=max(workers - 1, 1)) as pool:
        others = [pool.submit(work_apart) for _ in range(workers - 1)]
        work(browser)
        for other in others:
            other.result()


class Tab:
    """One browser context at one width, with its CSP violations."""

    def __init__(self, browser: Any, width: int) -> None:
        self.width = width
        self.context = browser.new_context(locale="es-AR", viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.csp: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # axe itself is refused on a page whose CSP admits no script (see _axe): not the page's fault
        if "Content Security Policy" in message.text and "axe.min.js" not in message.text:
            self.csp.append(message.text)

    def take_csp(self) -> list[str]:
        taken, self.csp = self.csp, []
        return taken


class Walker:
    """Walks the served app as one person (``who``: a demo username, or ``anonimo``)."""

    def __init__(self, app: Flask, browser: Any, base: str, walk: Walk) -> None:
        self.adapter = app.url_map.bind("127.0.0.1")
        self.browser, self.base, self.walk = browser, base, walk

    def run(self, visitor: Visitor) -> None:
        who = visitor.who
        tabs = [Tab(self.browser, width) for width in WIDTHS]
        try:
            first = [url if url.startswith("http") else self.base + url for url in visitor.starts]
            if visitor.password is not None:
                landed = [self._sign_in(tab, who, visitor.password) for tab in tabs]
                for tab, path in zip(tabs, landed, strict=True):
                    if path not in visitor.landings:
                        self._note(who, tab.width, self.base + path,
                                   f"landed on {path} after sign-in; expected {' or '.join(visitor.landings)}")
                first = [self.base + landed[-1], *first]
            self._crawl(who, tabs, first)
        finally:
            for tab in tabs:
                tab.context.close()

    def _sign_in(self, tab: Tab, who: str, password: str) -> str:
        tab.page.goto(self.base + "/ingresar")
        tab.page.fill("input[name=usuario]", who)
        tab.page.fill("input[name=contrasena]", password)
        with tab.page.expect_navigation():
            tab.page.click("main form button[type=submit]")
        return urlsplit(tab.page.url).path

    def _crawl(self, who: str, tabs: list[Tab], starts: list[str]) -> None:
        queue: deque[str] = deque()
        seen: set[str] = set()
        for url in starts:
            self._enqueue(url, seen, queue)
        while queue:
            if len(seen) > MAX_PAGES:
                self._note(who, "-", self.base, f"the walk reached its bound of {MAX_PAGES} routes; raise MAX_PAGES")
                return
            url = queue.popleft()
            for link in self._visit(who, tabs, url):
                if self._followed(who, link):
                    self._enqueue(link["href"], seen, queue)

    def _enqueue(self, url: str, seen: set[str], queue: deque[str]) -> None:
        url = urldefrag(url)[0]
        route = self.route(url)
        if route not in seen:
            seen.add(route)
            queue.append(url)

    def route(self, url: str) -> str:
        """The endpoint the app serves ``url`` with (its arguments abstracted), or why none does."""
        parts = urlsplit(url)
        try:
            endpoint, _ = self.adapter.match(parts.path, method="GET", query_args=parts.query)
        except RequestRedirect as redirect:
            return self.route(redirect.new_url)
        except MethodNotAllowed:
            return f"405 {parts.path}"
        except NotFound:
            return f"404 {parts.path}"
        return str(endpoint)

    def _followed(self, who: str, link: dict[str, Any]) -> bool:
        parts = urlsplit(link["href"])
        if f"{parts.scheme}://{parts.netloc}" != self.base or link["download"]:
            return False
        if SIGN_OUT.search(link["text"]) or SIGN_OUT.search(parts.path):
            return False
        if parts.path.startswith(SANDBOX):
            return who == "anonimo"
        return not parts.path.startswith(SKIPPED_PREFIXES)

    def _visit(self, who: str, tabs: list[Tab], url: str) -> list[dict[str, Any]]:
        """Check ``url`` at every width; return the links of its desktop page (none for downloads).

        A route not yet known to serve HTML is fetched ahead (downloads are checked for status only).
        """
        if self.route(url) not in self.walk.html:
            answer = tabs[0].context.request.get(url)
            if answer.status >= 400:
                self._note(who, "-", url, f"HTTP {answer.status}")
                return []
            if not answer.headers.get("content-type", "").startswith(HTML):
                return []
            self.walk.html.add(self.route(url))
        links: list[dict[str, Any]] = []
        for tab in tabs:
            links = self._check_page(who, tab, url)
        return links

    def _check_page(self, who: str, tab: Tab, url: str) -> list[dict[str, Any]]:
        with self.walk.lock:
            self.walk.visits += 1
        response = tab.page.goto(url)
        if response is None or response.status >= 400:
            self._note(who, tab.width, url, f"HTTP {response.status if response else 'sin respuesta'}")
            return []
        route = self.route(tab.page.url)
        facts = tab.page.evaluate(FACTS)
        for problem in _page_problems(facts):
            self._note(who, tab.width, url, problem)
        for message in tab.take_csp():
            self._note(who, tab.width, url, f"CSP: {message[:200]}")
        links: list[dict[str, Any]] = tab.page.evaluate(LINKS)
        _screenshot(tab.page, self.walk.screens / f"{who}-{tab.width}-{_file_name(route)}.png")
        if self.walk.first_axe(route, tab.width):
            for violation in _axe(tab.page, self.base):
                self._note(who, tab.width, url, f"axe {violation['id']}: {violation['nodes'][:3]}")
        return links

    def _note(self, who: str, width: int | str, url: str, problem: str) -> None:
        self.walk.note(Problem(who, width, url.removeprefix(self.base) or "/", problem))


def _page_problems(facts: dict[str, Any]) -> list[str]:
    problems = []
    if facts["scroll"] > facts["inner"]:
        problems.append(f"scrolls sideways: {facts['scroll']} px wide in {facts['inner']} px "
                        f"(past the edge: {', '.join(facts['wide']) or '?'})")
    text = f"{facts['title']}\n{facts['text']}"
    if "{{" in text or "}}" in text:
        problems.append("raw placeholder {{ }} in the text")
    if facts["lang"] != "es-AR":
        problems.append(f"<html lang> is {facts['lang']!r}, not 'es-AR'")
    english = sorted({p for p in ENGLISH_PAGES if p in text} | set(ENGLISH_WORDS.findall(text)))
    if english:
        problems.append(f"English on the page: {', '.join(english)}")
    return problems


def _screenshot(page: Any, path: Path) -> None:
    """A full-page picture for people to look at, not a check: Chromium now and then refuses a capture
    («Unable to capture screenshot») and takes the same picture when asked again, so it is asked twice,
    then for the viewport only; a page it still refuses is left without its picture."""
    from playwright.sync_api import Error as PlaywrightError  # here: without playwright the walk skips

    for full_page in (True, True, False):
        try:
            page.screenshot(path=str(path), full_page=full_page)
            return
        except PlaywrightError as e:
            if "Unable to capture screenshot" not in str(e):
                raise
            page.wait_for_timeout(250)
    print(f"Chromium refused every capture of {path.name}")


def _axe(page: Any, base: str) -> list[Any]:
    """axe-core's violations; on a page whose CSP admits no script of ours (the GAF sandbox's
    ``default-src 'none'``), axe is evaluated through the browser's debugging protocol instead."""
    from playwright.sync_api import Error as PlaywrightError  # here: without playwright the walk skips

    try:
        return axe_violations(page, base)
    except PlaywrightError as e:
        if "Content Security Policy" not in str(e):
            raise
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return list(page.evaluate(AXE_RUN))


def _file_name(route: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", route).strip("_")
