"""Figures of the live view (README "The live view"), in a real headless Chromium.

A scripted session (tests/view_rig.py: the session fakes for the people, each prompt taking
``--say`` seconds of wall time, and the real GuidedBreather on the wall clock) is followed by the
page. Printed:
  - prompt start (the speaker's say begins) to its text in the page's DOM: median, p95, max;
  - the breathing circle's drawn size against the schedule of the audio timeline, as seconds;
  - the CPU the view adds: this process with and without the view, and Chromium's own.

Run it alone: flock /tmp/facilitator-heavy.lock python scripts/bench_view.py
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from browser import Browser  # noqa: E402
from view_rig import SAMPLER, circle_errors, view_rig  # noqa: E402

OBSERVER = """
window.__prompts = [];
new MutationObserver(() => window.__prompts.push([Date.now() / 1000,
  document.getElementById('prompt').textContent])).observe(document.getElementById('prompt'),
  {childList: true, characterData: true, subtree: true});
"""

TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        cpu[pid] = (int(fields[11]) + int(fields[12])) / TICK
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(say_s: float, minutes: float, with_view: bool) -> dict[str, float | list[float]]:
    rig = view_rig(say_s=say_s, breathing_minutes=minutes, with_view=with_view, hold=["welcome.hello"])
    browser = Browser() if with_view else None
    try:
        if browser is not None and rig.view is not None:
            browser.navigate(rig.view.url)
            browser.wait_for("document.getElementById('prompt')?.textContent.includes('Getting ready')")
            browser.evaluate(OBSERVER)
            browser.evaluate(SAMPLER)
        rig.start()
        rig.speaker.reached["welcome.hello"].wait(30)
        cpu0, wall0 = time.process_time(), time.time()
        browser_cpu0 = tree_cpu_s(browser.proc.pid) if browser else 0.0
        rig.speaker.release("welcome.hello")
        rig.join(600)
        figures: dict[str, float | list[float]] = {
            "wall_s": time.time() - wall0, "cpu_s": time.process_time() - cpu0,
        }
        if browser is None or rig.view is None:
            return figures
        time.sleep(0.5)
        figures["browser_cpu_s"] = tree_cpu_s(browser.proc.pid) - browser_cpu0
        seen = browser.evaluate("window.__prompts")
        delays, i = [], 0
        for _, text, started in rig.speaker.said[1:]:  # the first one was on screen before the run
            while i < len(seen) and (seen[i][1] != text or seen[i][0] < started - 0.05):
                i += 1
            if i < len(seen):
                delays.append(seen[i][0] - started)
        figures["delays"] = delays
        plan, shown = rig.pacer.plans[0], rig.pacer.shown
        figures["errors"] = circle_errors(plan, shown, browser.evaluate("window.__computed"))
        figures["drawn"] = circle_errors(plan, shown, browser.evaluate("window.__drawn"))
        rig.view.close()
        return figures
    finally:
        if browser is not None:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--say", type=float, default=0.5, help="Wall seconds per prompt (default 0.5).")
    parser.add_argument("--minutes", type=float, default=1.0, help="Breathing minutes (default 1).")
    args = parser.parse_args()
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    plain = run(args.say, args.minutes, with_view=False)
    viewed = run(args.say, args.minutes, with_view=True)
    delays = [d * 1000 for d in viewed["delays"]]  # type: ignore[union-attr]
    errors = [abs(e) * 1000 for e in viewed["errors"]]  # type: ignore[union-attr]
    drawn = [abs(e) * 1000 for e in viewed["drawn"]]  # type: ignore[union-attr]
    print(f"prompt start to text on the page: median {median(delays):.0f} ms, "
          f"p95 {pct(delays, 0.95):.0f} ms, "
          f"max {max(delays):.0f} ms over {len(delays)} prompts")
    print(f"breathing circle as the page sets it, against the schedule: median {median(errors):.1f} ms, "
          f"p95 {pct(errors, 0.95):.1f} ms, max {max(errors):.1f} ms over {len(errors)} frames")
    print(f"breathing circle as drawn at each frame (one frame later): median {median(drawn):.1f} ms, "
          f"p95 {pct(drawn, 0.95):.1f} ms, max {max(drawn):.1f} ms over {len(drawn)} frames")
    for name, figures in (("without the view", plain), ("with the view and a page open", viewed)):
        wall, cpu = float(figures["wall_s"]), float(figures["cpu_s"])  # type: ignore[arg-type]
        print(f"session process {name}: {cpu:.2f} s CPU in {wall:.1f} s "
              f"({100 * cpu / wall:.1f}% of one core)")
    browser_cpu, wall = float(viewed["browser_cpu_s"]), float(viewed["wall_s"])  # type: ignore[arg-type]
    print(f"Chromium showing the page: {browser_cpu:.2f} s CPU in {wall:.1f} s "
          f"({100 * browser_cpu / wall:.1f}% of one core, headless, software drawing)")
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
