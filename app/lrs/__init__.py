"""Forwarding the learning record to Learning Record Stores (xAPI): the operator's and publishers'."""
