"""Forecasts of incoming cases per procedure and reclamos per category, with their backtest.

The background work fits them once a day (:mod:`engine.forecasts.refresh`) and keeps one row per
subject (:mod:`engine.forecasts.models`); the staff dashboard only reads those rows.
"""
