"""Session outputs: everything a run writes and prints about itself.

    context.py  ReportContext (the stretch as plain values), verdict and hold-state codes
    csv.py      the per-frame CSV, streamed
    series.py   compact per-frame arrays (SeriesRecorder), for summaries and plots
    summary.py  the JSON summary and its one-line verdict
    text.py     the terminal text
    plot.py     the timeline plot (PNG)
    moments.py  fault thumbnails for report.html
    html.py     report.html
    outputs.py  output file names and the one finishing step of a run

Modules import each other's public names only. Colours come from `posecheck.palette`,
frame time from `posecheck.timing`.
"""
