"""Automatic triage of tips: pure functions that read a tip's text and suggest what it is about."""
