"""From landmarks to verdicts: smoothing, measurements, rules with hysteresis, hold timer, cues."""
