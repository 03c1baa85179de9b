"""``facilitator summary --html FILE``: the last session's summary as one self-contained page.

Everything is in the file (the style inline, no script, no image, no font), under a policy that
lets it load nothing else. No words are in it unless the transcript was kept; then the kept
transcript is shown below the figures.
"""

from __future__ import annotations

import html
from pathlib import Path

from facilitator.errors import InputError
from facilitator.paths import write_private
from facilitator.summary import Summary

_OUTCOMES = {
    "complete": "You both felt complete.",
    "not_yet": "One of you said not yet; that is fine.",
    "break": "Paused for a break.",
    "stopped": "Stopped before the end.",
    None: "Not finished; it can be resumed with facilitator session --resume.",
}

_STYLE = """
:root { color-scheme: light dark; --bg: #f7f6f2; --fg: #26282b; --muted: #6b6f75; --soft: #e3efed;
  --accent: #2f7a73; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
@media (prefers-color-scheme: dark) { :root { --bg: #16181b; --fg: #e8e6e1; --muted: #9a9ea5;
  --soft: #20302e; --accent: #7cc2ba; } }
body { background: var(--bg); color: var(--fg); margin: 0; padding: 2rem 3rem; max-width: 52rem; }
h1 { font-weight: 600; font-size: 2rem; } h2 { font-size: 1.1rem; color: var(--muted); font-weight: 500; }
.outcome { font-size: 1.4rem; }
.bar { display: grid; grid-template-columns: 8rem 1fr 7rem; gap: .8rem; align-items: center;
  margin: .4rem 0; }
.track { height: 1rem; background: var(--soft); border-radius: .5rem; overflow: hidden; }
.fill { display: block; height: 100%; background: var(--accent); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1.2rem; font-size: 1.1rem; }
dt { color: var(--muted); } dd { margin: 0; }
pre { white-space: pre-wrap; font: inherit; line-height: 1.5; }
.quiet { color: var(--muted); }
"""


def summary_html(summary: Summary, transcript: str | None = None, saved_at: str | None = None) -> str:
    """The page: outcome, time, talk shares as bars, reminders, reflections, breaks; words if kept."""
    e = html.escape
    minutes, seconds = divmod(round(summary.duration_s), 60)
    bars = []
    widths = []
    for i, name in enumerate(summary.names):
        share = round(summary.talk_share(name) * 100)
        widths.append(f".w{i} {{ width: {share}% }}")
        bars.append(
            f'<div class="bar" aria-label="{e(name)}: {share} percent of the talk time">'
            f"<span>{e(name)}</span>"
            f'<span class="track"><span class="fill w{i}"></span></span>'
            f"<span>{share}% ({summary.talk_s.get(name, 0.0):.0f} s)</span></div>"
        )
    reminders = ", ".join(f"{e(n)} {summary.reminders.get(n, 0)}" for n in summary.names) or "0"
    rows = [
        ("Time", f"{minutes} min {seconds:02d} s, {summary.rounds} round(s)"),
        ("One-at-a-time reminders", reminders),
        ("Reflections", f"{summary.reflections_first_time} landed first time, "
                        f"{summary.reflections_after_retries} after another try, "
                        f"{summary.reflections_not_landed} moved on from"),
        ("Breathing breaks", str(summary.breaks)),
    ]
    if summary.return_at:
        rows.append(("Agreed to come back", e(summary.return_at)))
    figures = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    words = (f"<h2>What was said (kept at your request)</h2><pre>{e(transcript)}</pre>" if transcript
             else '<p class="quiet">No words were kept.</p>')
    when = f'<p class="quiet">Last saved {e(saved_at)}</p>' if saved_at else ""
    policy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
    style = _STYLE + "\n".join(widths)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Session summary</title><style>{style}</style></head><body>"
        f"<h1>Session summary</h1>{when}"
        f'<p class="outcome">{e(_OUTCOMES.get(summary.outcome, str(summary.outcome)))}</p>'
        f"<h2>Share of talk time</h2>{''.join(bars) or '<p class=quiet>Nobody was heard.</p>'}"
        f"<dl>{figures}</dl>{words}</body></html>\n"
    )



def write_summary_html(path: Path, summary: Summary, saved_at: str | None = None) -> None:
    """Write the page (mode 0600 when it holds words), with the kept transcript if there is one.

    Raises:
        InputError: the file cannot be written.
    """
    transcript = None
    if summary.transcript_path:
        try:
            transcript = Path(summary.transcript_path).read_text(encoding="utf-8")
        except OSError:
            transcript = None  # the kept file was deleted: the page has no words
    page = summary_html(summary, transcript, saved_at).encode("utf-8")
    try:
        if transcript:
            write_private(path, page)
        else:
            path.write_bytes(page)
    except OSError as exc:
        reason = exc.strerror or exc
        raise InputError(f"Cannot write {path} ({reason}); choose another file for --html.") from exc
