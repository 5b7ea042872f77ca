"""The index of a batch: `index.csv` and a self-contained `index.html`, one row per input,
with its verdict and links to its outputs (relative, so the folder can be moved or shared)."""

from __future__ import annotations

import csv
import html
import os
from collections.abc import Sequence
from pathlib import Path

from posecheck.batch.jobs import BatchOutcome
from posecheck.errors import OutputError

CSV_COLUMNS = ("input", "status", "exit_code", "frames", "duration_s", "verdict", "report", "video", "error")

_LINKS = (("report", "report"), ("video", "video"), ("csv", "frames CSV"), ("summary", "summary"))
_STATUS_TEXT = {
    "ok": "done",
    "no person": "no person found",
    "damaged": "damaged input",
    "interrupted": "interrupted",
    "failed": "failed",
}


def _relative(path: Path | None, base: Path) -> str:
    if path is None:
        return ""
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def write_index(out_dir: Path, outcomes: Sequence[BatchOutcome], title: str) -> tuple[Path, Path]:
    """Write OUT/index.csv and OUT/index.html; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / "index.csv", out_dir / "index.html"
    try:
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for o in outcomes:
                writer.writerow(
                    [
                        str(o.input_path),
                        o.status,
                        o.exit_code,
                        o.frames,
                        f"{o.duration_s:.2f}",
                        o.verdict,
                        _relative(o.outputs.get("report"), out_dir),
                        _relative(o.outputs.get("video"), out_dir),
                        o.error,
                    ]
                )
        html_path.write_text(_page(out_dir, outcomes, title), encoding="utf-8")
    except OSError as error:
        raise OutputError(f"cannot write the batch index in {out_dir}: {error.strerror or error}") from None
    return csv_path, html_path


def _page(out_dir: Path, outcomes: Sequence[BatchOutcome], title: str) -> str:
    failed = sum(not o.ok for o in outcomes)
    rows = []
    for o in outcomes:
        links = []
        for key, label in _LINKS:
            if key in o.outputs:
                href = html.escape(_relative(o.outputs[key], out_dir), quote=True)
                links.append(f'<a href="{href}">{label}</a>')
        status = _STATUS_TEXT.get(o.status, o.status)
        detail = html.escape(o.verdict)
        if o.error:
            detail += f'<div class="error">{html.escape(o.error)}</div>'
        rows.append(
            f'<tr class="{"ok" if o.ok else "bad"}"><td class="name">{html.escape(o.input_path.name)}'
            f'<div class="path">{html.escape(str(o.input_path.parent))}</div></td>'
            f'<td><span class="status">{html.escape(status)}</span></td>'
            f'<td class="num">{o.frames or "–"}</td>'
            f'<td class="num">{f"{o.duration_s:.1f} s" if o.frames else "–"}</td>'
            f"<td>{detail}</td><td>{' · '.join(links)}</td></tr>"
        )
    counts = f"{len(outcomes)} video(s), {len(outcomes) - failed} done"
    counts += f", {failed} with problems" if failed else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color:#263238;
  background:#f5f7f8; margin:0; }}
main {{ max-width:1180px; margin:0 auto; padding:28px; }}
h1 {{ font-size:1.5rem; margin:0 0 4px; }}
p.sub {{ color:#546e7a; margin:0 0 20px; }}
table {{ width:100%; border-collapse:collapse; background:#fff; box-shadow:0 1px 3px rgba(0,0,0,.08); }}
th, td {{ text-align:left; padding:10px 12px; border-bottom:1px solid #eceff1; vertical-align:top; }}
th {{ font-size:.8rem; text-transform:uppercase; letter-spacing:.04em; color:#607d8b; }}
td.num {{ text-align:right; white-space:nowrap; }}
.path {{ color:#90a4ae; font-size:.8rem; }}
.status {{ display:inline-block; padding:2px 8px; border-radius:10px; font-size:.85rem; white-space:nowrap; }}
tr.ok .status {{ background:#e8f5e9; color:#2e7d32; }}
tr.bad .status {{ background:#ffebee; color:#c62828; }}
.error {{ color:#c62828; font-size:.9rem; }}
td > .error:not(:first-child) {{ margin-top:4px; }}
a {{ color:#1565c0; }}
</style></head>
<body><main>
<h1>{html.escape(title)}</h1>
<p class="sub">{html.escape(counts)}</p>
<table>
<thead><tr><th>video</th><th>status</th><th>frames</th><th>length</th><th>verdict</th><th>outputs</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
</main></body></html>
"""
