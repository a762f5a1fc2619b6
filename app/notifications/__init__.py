"""Notifications: what happened that concerns a person, in a list on the site and by e-mail."""
