"""Organisations (schools, publishers) and the people who belong to them, with their role."""
