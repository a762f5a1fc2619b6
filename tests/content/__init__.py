"""Tests of app.content: parsing, checking and rendering course files (no Flask)."""
