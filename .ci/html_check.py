#!/usr/bin/env python3
"""Loads a callaudit HTML report in real headless Chromium and checks it as a reader would.

Standard library only (CI installs nothing from PyPI): Chromium is driven over the DevTools
protocol through a minimal WebSocket client. Fails (exit 1) on any console error, uncaught
exception or error log entry (failed loads and Content-Security-Policy violations land there),
on any network fetch, when the charts or the table are missing, when a chart's line label
starts off the chart's left edge, or when clicking a column heading does not sort the table;
and, under print media at the width of a landscape A4 page, when the report table does not fit
it, when a closed transcript is not shown (by the print rules, and opened by the page's
beforeprint handler, closed again after), or when screen-only text shows. Writes a full-page
PNG screenshot.

usage: html_check.py REPORT.html SCREENSHOT.png
"""

import base64
import json
import os
import pathlib
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The flags this machine needs: no sandbox as root, no GPU, and no background traffic (the
# network is closed, and Chromium's own calls home would fail noisily).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--window-size=1400,900",
    "--remote-debugging-port=0",
]
TIMEOUT = 60


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, fragments, ping."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError("DevTools closed the connection during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"DevTools refused the WebSocket: {head!r}")

    def _exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            if not chunk:
                raise RuntimeError("DevTools closed the connection")
            buf += chunk
        return bytes(buf)

    def _frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, text):
        self._frame(0x1, text.encode())

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._exact(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._exact(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._exact(8))
            mask = self._exact(4) if b1 & 0x80 else None
            payload = self._exact(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:
                raise RuntimeError("DevTools closed the WebSocket")
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode in (0x0, 0x1, 0x2):
                message += payload
                if b0 & 0x80:
                    return message.decode()


class Page:
    """One DevTools page session: commands with ids, events collected on the way."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, method, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e["method"] == method for e in self.events):
                return
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
        raise RuntimeError(f"timed out waiting for {method}")

    def settle(self, seconds):
        """Collects events for a while (late errors, timers)."""
        self.ws.sock.settimeout(seconds)
        try:
            while True:
                msg = json.loads(self.ws.recv())
                if "method" in msg:
                    self.events.append(msg)
        except (socket.timeout, TimeoutError):
            pass
        finally:
            self.ws.sock.settimeout(TIMEOUT)

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")


def problems_in(events):
    """Console errors, uncaught exceptions and error log entries, as lines."""
    found = []
    for e in events:
        m, p = e["method"], e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            found.append(f"console.{p['type']}: {args}")
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            found.append(f"uncaught: {d.get('exception', {}).get('description', d.get('text'))}")
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            entry = p["entry"]
            found.append(f"log {entry.get('source')}/{entry['level']}: {entry.get('text')} {entry.get('url', '')}")
    return found


# Runs in the page: what a reader relies on, and whether sorting by score works.
CHECKS = r"""
(function () {
  var out = {};
  out.svgs = document.querySelectorAll("svg").length;
  out.bars = document.querySelectorAll("#scores rect").length;
  out.heat = document.querySelectorAll("#heatmap rect").length;
  out.trend = document.querySelectorAll("#trend svg, #trend .legend").length;
  out.distribution = document.querySelectorAll("#distribution rect").length;
  out.calls = document.querySelectorAll("#calls details").length;
  // Nothing may scroll sideways at this width: not the page, not a section, not a table.
  out.hscroll = [document.documentElement].concat(
      Array.prototype.slice.call(document.querySelectorAll("section, table, svg")))
    .filter(function (e) { return e.scrollWidth > e.clientWidth + 1 ||
      e.getBoundingClientRect().right > document.documentElement.clientWidth + 1; })
    .map(function (e) { return (e.id || e.tagName) + " " + e.scrollWidth + ">" + e.clientWidth; });
  out.width = document.documentElement.clientWidth;
  // A chart's line labels end at the label column: none may start off the chart's left edge.
  out.clipped = Array.prototype.slice.call(document.querySelectorAll("#scores text, #heatmap text"))
    .filter(function (t) { return !t.getAttribute("transform") && t.getBBox().x < -0.5; })
    .map(function (t) { return t.textContent + " (x " + t.getBBox().x.toFixed(1) + ")"; });
  var table = document.getElementById("report-table");
  out.rows = table ? table.tBodies[0].rows.length : 0;
  out.resources = performance.getEntriesByType("resource").map(function (r) { return r.name; });
  out.external = Array.prototype.slice.call(document.querySelectorAll("[src],[href]"))
    .map(function (e) { return e.getAttribute("src") || e.getAttribute("href"); })
    .filter(function (u) { return !/^(data:|#)/.test(u); });
  if (table) {
    var heads = table.tHead.rows[0].cells, col = -1;
    for (var i = 0; i < heads.length; i++) { if (heads[i].dataset.col === "mean_score") col = i; }
    var scores = function () {
      // Nested lines sort among their siblings: the outermost lines must be in order.
      var top = Array.prototype.filter.call(table.tBodies[0].rows, function (r) {
        return (r.getAttribute("data-depth") || "0") === "0";
      });
      return top.map(function (r) {
        var v = r.cells[col].getAttribute("data-sort");
        return v === "" ? null : parseFloat(v);
      });
    };
    heads[col].click();
    var desc = scores();
    heads[col].click();
    var asc = scores();
    var sorted = function (xs, dir) {
      var nums = xs.filter(function (x) { return x !== null; });
      for (var k = 1; k < nums.length; k++) { if ((nums[k] - nums[k - 1]) * dir < 0) return false; }
      return true;
    };
    out.sorts = sorted(desc, -1) && sorted(asc, 1);
    var first = table.tBodies[0].rows[0];
    out.first_after_sort = first ? first.cells[0].textContent : null;
  }
  return JSON.stringify(out);
})()
"""


# Runs in the page under print media, at the width of a landscape A4 page less its margins:
# every column of the report table on the page, every transcript shown (by the print rules
# alone, then opened by the page's beforeprint handler), closed again after printing.
PRINT_CHECKS = r"""
(function () {
  var out = {};
  var root = document.documentElement;
  var table = document.getElementById("report-table");
  out.width = root.clientWidth;
  out.table_right = table ? Math.round(table.getBoundingClientRect().right) : 0;
  out.table_scroll = table ? table.scrollWidth - table.clientWidth : 0;
  out.page_scroll = root.scrollWidth - root.clientWidth;
  var closed = Array.prototype.slice.call(document.querySelectorAll("#calls details:not([open])"));
  out.closed = closed.length;
  // Shown by the print rules alone (::details-content), before any script ran: a closed
  // details' content is laid out but not rendered (content-visibility), which checkVisibility
  // tells.
  out.hidden_by_css = closed.filter(function (d) {
    var body = d.querySelector(".explain");
    return body && !body.checkVisibility();
  }).length;
  window.dispatchEvent(new Event("beforeprint"));
  out.closed_for_print = document.querySelectorAll("details:not([open])").length;
  window.dispatchEvent(new Event("afterprint"));
  out.closed_after = document.querySelectorAll("#calls details:not([open])").length;
  out.chrome = Array.prototype.slice.call(document.querySelectorAll(".screen"))
    .filter(function (e) { return e.getClientRects().length > 0; }).length;
  return JSON.stringify(out);
})()
"""

# A landscape A4 page less 10 mm margins, in CSS pixels.
PRINT_WIDTH = round((297 - 20) / 25.4 * 96)


def check(report, screenshot):
    profile = tempfile.mkdtemp(prefix="callaudit-chromium-")
    proc = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = pathlib.Path(profile, "DevToolsActivePort")
        deadline = time.monotonic() + TIMEOUT
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{CHROMIUM} did not start (exit {proc.poll()})")
            time.sleep(0.1)
        port = int(port_file.read_text().split("\n")[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=TIMEOUT) as r:
            targets = json.load(r)
        page_target = next(t for t in targets if t.get("type") == "page")
        page = Page(WebSocket(page_target["webSocketDebuggerUrl"]))
        for domain in ("Runtime", "Log", "Page"):
            page.call(f"{domain}.enable")
        page.call("Page.navigate", url=pathlib.Path(report).resolve().as_uri())
        page.wait_for("Page.loadEventFired")
        page.settle(1.0)
        results = json.loads(page.evaluate(CHECKS))
        page.settle(0.3)
        # The whole page in one picture.
        metrics = page.call("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        page.call(
            "Emulation.setDeviceMetricsOverride",
            width=1400,
            height=int(size["height"]) + 1,
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        pathlib.Path(screenshot).write_bytes(base64.b64decode(shot["data"]))
        # As printed.
        page.call("Emulation.setEmulatedMedia", media="print")
        page.call(
            "Emulation.setDeviceMetricsOverride",
            width=PRINT_WIDTH,
            height=800,
            deviceScaleFactor=1,
            mobile=False,
        )
        page.settle(0.3)
        results["print"] = json.loads(page.evaluate(PRINT_CHECKS))
        page.settle(0.3)
        return problems_in(page.events), results
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    report, screenshot = sys.argv[1], sys.argv[2]
    problems, r = check(report, screenshot)
    if r.get("resources"):
        problems.append(f"the page fetched: {r['resources']}")
    if r.get("external"):
        problems.append(f"the page links outside itself: {r['external']}")
    if r.get("svgs", 0) < 2 or r.get("bars", 0) < 1 or r.get("heat", 0) < 1:
        problems.append(f"charts missing: {r}")
    if r.get("trend", 0) < 1 or r.get("distribution", 0) < 1 or r.get("calls", 0) < 1:
        problems.append(f"trend, score distribution or call list missing: {r}")
    if r.get("hscroll"):
        problems.append(f"scrolls sideways at {r.get('width')} px: {r['hscroll']}")
    if r.get("clipped"):
        problems.append(f"chart labels start off the chart's left edge: {r['clipped']}")
    if r.get("rows", 0) < 1:
        problems.append("the report table has no rows")
    if not r.get("sorts"):
        problems.append("clicking the Score heading did not sort the table")
    p = r.get("print", {})
    if p.get("table_right", 0) > p.get("width", 0) + 1 or p.get("table_scroll", 0) > 1 or p.get("page_scroll", 0) > 1:
        problems.append(f"printed, the report table does not fit a landscape page: {p}")
    if p.get("hidden_by_css") or p.get("closed_for_print"):
        problems.append(f"printed, transcripts stay closed: {p}")
    if p.get("closed_after") != p.get("closed"):
        problems.append(f"after printing, the transcripts opened for it did not close: {p}")
    if p.get("chrome"):
        problems.append(f"printed, screen-only text shows: {p}")
    print(
        f"html-check: {report}: {r.get('rows')} table rows, {r.get('bars')} bars, "
        f"{r.get('heat')} heat-map cells; sorted by score, first: {r.get('first_after_sort')}; "
        f"printed: table {p.get('table_right')} of {p.get('width')} px, "
        f"{p.get('closed')} closed call(s) shown; screenshot {screenshot}"
    )
    if problems:
        for p in problems:
            print(f"html-check: FAIL: {p}", file=sys.stderr)
        return 1
    print("html-check: console errors: none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
