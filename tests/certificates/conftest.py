"""Fixtures shared with the Open Badges tests."""

from tests.ob3.conftest import certificate  # noqa: F401 - a fixture, used by test_open_badges.py
