"""Kloutbot: a transparent, Klout-style influence score for Slack and Discord teams."""

__version__ = "0.1.0"
