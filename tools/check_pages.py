"""Open every page of the built book in headless Chromium, offline, and report what a reader would see.

    python tools/check_pages.py [_build/html] [--screenshots _build/screenshots]

Each page is loaded from ``file://`` in a browser started inside a new network namespace
(``unshare -n``, so no request can leave the machine), and is checked for what an offline reader
would notice: raw TeX delimiters left in the visible text (MathJax did not typeset), an image that did
not load, a link to a file that is not there, a console error, an uncaught exception or a failed
load, a request for anything not on disk, and a widget area with nothing drawn in it. Each interactive
figure (Plotly, ``recur_tutorial.plots.interactive``) must be drawn and must answer a reader: its slider,
else a legend entry, else a menu button is clicked with the mouse, and what it draws must change. A
screenshot of each page is saved. The browser is driven through the DevTools protocol over a pipe
(``--remote-debugging-pipe``: file descriptors 3 and 4, messages separated by NUL bytes), so no
driver package is needed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--hide-scrollbars", "--window-size=1280,900",
    "--allow-file-access-from-files", "--remote-debugging-pipe",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
MAX_SCREENSHOT_HEIGHT = 16000

# Runs in the page: the visible text outside code and typeset math, the images, the widget areas.
INSPECT = r"""
(() => {
  if (!document.body) return JSON.stringify({navigating: true});  // a redirect page on its way out
  const skip = "pre, code, script, style, textarea, mjx-container, .MathJax, .highlight, .output";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  const pattern = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\(frac|mathrm|sum|le|ge|in|to|tanh|Sigma)\b/;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const style = getComputedStyle(parent);
    if (style.display === "none" || style.visibility === "hidden") continue;
    const match = node.textContent.match(pattern);
    if (match) {
      const at = Math.max(0, match.index - 40);
      raw.push(node.textContent.slice(at, match.index + 40).replace(/\s+/g, " "));
    }
  }
  const images = Array.from(document.images).map(img => ({
    src: img.getAttribute("src"), loaded: img.complete && img.naturalWidth > 0}));
  const widgets = Array.from(document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]')).map(script => {
    const area = script.parentElement;
    const drawn = Array.from(area.children).filter(el => el !== script && el.getBoundingClientRect().height > 20);
    return {drawn: drawn.length > 0};
  });
  const math = document.querySelectorAll("mjx-container").length;
  const links = Array.from(document.querySelectorAll("a[href]")).map(a => a.href).filter(h => h.startsWith("file:"));
  return JSON.stringify({raw, images, widgets, math, links, height: document.documentElement.scrollHeight});
})()
"""

WAIT_FOR_MATH = """
(async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await new Promise(resolve => setTimeout(resolve, 300));
  return true;
})()
"""


# Runs in the page: the interactive figures, each drawn by Plotly or not.
FIGURES = r"""
(() => Array.from(document.querySelectorAll("div.recur-interactive")).map(gd => ({
  id: gd.id, drawn: Boolean(gd._fullLayout && gd.querySelector(".main-svg"))})))()
"""

# Runs in the page (with FIGURE_ID set): scroll one figure, then the control a reader would use, into view
# and say where to click to change it (its slider's rail near the end, else its first legend entry, else its
# second menu button).
FIGURE_TARGET = r"""
(async () => {
  const gd = document.getElementById(FIGURE_ID);
  gd.scrollIntoView({block: "center"});
  await new Promise(resolve => setTimeout(resolve, 200));
  const pick = (selector, index, fraction) => {
    const found = gd.querySelectorAll(selector);
    if (found.length <= index) return null;
    found[index].scrollIntoView({block: "center"});  // a figure taller than the window hides its controls
    const box = found[index].getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return null;
    return {x: box.left + box.width * fraction, y: box.top + box.height / 2};
  };
  const rail = pick(".slider-rail-rect", 0, 0.97);
  if (rail) return JSON.stringify({control: "slider", ...rail});
  const legend = pick(".legendtoggle", 0, 0.5);
  if (legend) return JSON.stringify({control: "legend entry", ...legend});
  const button = pick(".updatemenu-button", 1, 0.5) || pick(".updatemenu-header", 0, 0.5);
  if (button) return JSON.stringify({control: "menu button", ...button});
  return JSON.stringify({control: null});
})()
"""

# Runs in the page (with FIGURE_ID set): what the figure draws, to compare before and after a click.
FIGURE_DRAWING = r"""
(() => Array.from(document.getElementById(FIGURE_ID).querySelectorAll(".main-svg"))
  .map(svg => svg.outerHTML).join(""))()
"""


class Chromium:
    """A headless Chromium driven over the DevTools pipe; events are kept per session."""

    def __init__(self, executable: str, offline: bool = True):
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        command = ["bash", "-c", f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}', executable,
                   *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"]
        if offline:
            command = ["unshare", "-n", *command]
        self.process = subprocess.Popen(command, pass_fds=(to_browser_r, from_browser_w),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self.events: list[dict] = []
        self._lock = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        while True:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                with self._lock:
                    self._lock.notify_all()
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._lock:
                for message in messages:
                    data = json.loads(message)
                    if "id" in data:
                        self._replies[data["id"]] = data
                    else:
                        self.events.append(data)
                self._lock.notify_all()

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60):
        with self._lock:
            self._next_id += 1
            ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._lock:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise RuntimeError(f"Chromium did not answer {method} within {timeout} s")
                self._lock.wait(left)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def count(self, method: str, session: str) -> int:
        with self._lock:
            return sum(e.get("method") == method and e.get("sessionId") == session for e in self.events)

    def wait_for(self, method: str, session: str, timeout: float = 60, at_least: int = 1) -> bool:
        """Wait until ``at_least`` events ``method`` have come from ``session``."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while sum(e.get("method") == method and e.get("sessionId") == session for e in self.events) < at_least:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except RuntimeError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._to_browser)
        shutil.rmtree(self.profile, ignore_errors=True)


@dataclass
class PageReport:
    page: str
    screenshot: str
    problems: list[str] = field(default_factory=list)
    formulas: int = 0
    images: int = 0
    interactive: int = 0  # Plotly figures drawn
    answered: list[str] = field(default_factory=list)  # per figure: the control clicked, where the drawing changed


def _evaluate(browser: Chromium, session: str, expression: str, figure: str | None = None):
    """The value of ``expression`` (awaited), evaluated in the page; with ``figure``, FIGURE_ID is that id."""
    if figure is not None:
        expression = f"((FIGURE_ID) => ({expression.strip()}))({json.dumps(figure)})"
    reply = browser.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True},
                         session=session)
    if "exceptionDetails" in reply:
        raise RuntimeError(f"the page script failed: {reply['exceptionDetails']}")
    return reply["result"]["value"]


def click(browser: Chromium, session: str, x: float, y: float) -> None:
    """A reader's left click at (x, y) of the viewport: the mouse moved there, pressed and released."""
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        browser.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left",
                                                  "buttons": 0 if kind == "mouseMoved" else 1, "clickCount": 1},
                     session=session)


def drive_figures(browser: Chromium, session: str, report: PageReport) -> None:
    """Click each interactive figure of the page once (its slider, legend entry or menu button) and
    check that what it draws changed."""
    figures = _evaluate(browser, session, FIGURES)
    for figure in figures:
        if not figure["drawn"]:
            report.problems.append(f"interactive figure {figure['id']} was not drawn")
            continue
        report.interactive += 1
        target = json.loads(_evaluate(browser, session, FIGURE_TARGET, figure["id"]))
        if target["control"] is None:
            report.problems.append(f"interactive figure {figure['id']} has no slider, legend or menu to use")
            continue
        before = _evaluate(browser, session, FIGURE_DRAWING, figure["id"])
        click(browser, session, target["x"], target["y"])
        deadline, after = time.monotonic() + 5, before  # a large figure may take a moment to redraw
        while after == before and time.monotonic() < deadline:
            time.sleep(0.25)
            after = _evaluate(browser, session, FIGURE_DRAWING, figure["id"])
        if after == before:
            report.problems.append(f"interactive figure {figure['id']}: a click on its {target['control']} "
                                   "changed nothing")
        else:
            report.answered.append(target["control"])


def _problems_from_events(events: list[dict]) -> list[str]:
    problems = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            problems.append(f"uncaught exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            problems.append(f"console {params['type']}: {args}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            problems.append(f"console error: {entry['text']} {entry.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent" and not params["request"]["url"].startswith(LOCAL_SCHEMES):
            problems.append(f"requests the network: {params['request']['url']}")
    return problems


def check_page(browser: Chromium, html: Path, screenshot: Path) -> PageReport:
    report = PageReport(page=str(html), screenshot=str(screenshot))
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Runtime", "Log", "Page", "Network"):
        browser.send(f"{domain}.enable", session=session)
    first_event = len(browser.events)
    browser.send("Page.navigate", {"url": html.resolve().as_uri()}, session=session)
    seen = None
    for _attempt in range(3):  # a page that redirects (index.html) is inspected where it lands
        loads = browser.count("Page.loadEventFired", session)
        if not browser.wait_for("Page.loadEventFired", session, at_least=max(loads, 1)):
            report.problems.append("the page did not finish loading within 60 s")
        try:
            browser.send("Runtime.evaluate", {"expression": WAIT_FOR_MATH, "awaitPromise": True}, session=session)
            inspected = browser.send("Runtime.evaluate", {"expression": INSPECT, "returnByValue": True},
                                     session=session)
        except RuntimeError as error:
            if "navigated" not in str(error):
                raise
            browser.wait_for("Page.loadEventFired", session, at_least=loads + 1)
            continue
        if "exceptionDetails" in inspected:
            raise RuntimeError(f"{html}: the page inspection failed: {inspected['exceptionDetails']}")
        seen = json.loads(inspected["result"]["value"])
        if not seen.get("navigating"):
            break
        browser.wait_for("Page.loadEventFired", session, at_least=loads + 1)
        seen = None
    if seen is None:
        raise RuntimeError(f"{html}: the page kept navigating away")
    report.formulas = seen["math"]
    report.images = len(seen["images"])
    report.problems += [f"raw TeX visible: ...{text}..." for text in seen["raw"]]
    report.problems += [f"image not loaded: {img['src']}" for img in seen["images"] if not img["loaded"]]
    report.problems += ["a widget area with nothing drawn in it" for w in seen["widgets"] if not w["drawn"]]
    report.problems += [f"link to a missing file: {link}" for link in sorted(set(seen["links"]))
                        if not Path(unquote(urlsplit(link).path)).exists()]
    drive_figures(browser, session, report)
    height = min(int(seen["height"]), MAX_SCREENSHOT_HEIGHT)
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
    shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    events = [e for e in browser.events[first_event:] if e.get("sessionId") == session]
    report.problems += _problems_from_events(events)
    browser.send("Target.closeTarget", {"targetId": target})
    return report


def book_pages(html_root: Path) -> list[Path]:
    """Every HTML page of the book (the theme's and Sphinx's own assets excluded)."""
    return sorted(p for p in html_root.rglob("*.html")
                  if not any(part.startswith("_") for part in p.relative_to(html_root).parts[:-1]))


def chromium_executable() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError("no Chromium found: install it (Debian: apt-get install -y chromium)")


def check_book(html_root: Path, screenshots: Path, offline: bool = True) -> list[PageReport]:
    browser = Chromium(chromium_executable(), offline=offline)
    try:
        reports = []
        for page in book_pages(html_root):
            name = str(page.relative_to(html_root).with_suffix(".png")).replace(os.sep, "__")
            reports.append(check_page(browser, page, screenshots / name))
        return reports
    finally:
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("html", nargs="?", default="_build/html", type=Path)
    parser.add_argument("--screenshots", default="_build/screenshots", type=Path)
    args = parser.parse_args(argv)
    reports = check_book(args.html, args.screenshots)
    for report in reports:
        verdict = "ok" if not report.problems else f"{len(report.problems)} problem(s)"
        print(f"{report.page}: {verdict} ({report.formulas} formulas, {report.images} images, "
              f"{report.interactive} interactive figures, answered: {', '.join(report.answered) or '-'}) "
              f"-> {report.screenshot}")
        for problem in report.problems[:20]:
            print(f"    {problem}")
    return 0 if all(not r.problems for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
