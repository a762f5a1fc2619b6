"""Quizzes to and from Moodle: GIFT export and import, Moodle XML export.

``gift`` reads and writes GIFT as Moodle's own importer does, ``gift_import`` turns what it read
into Cadre's quiz Markdown, ``moodle_xml`` writes Moodle XML, ``quizzes`` gathers the quizzes of a
course to export, and ``routes`` holds the publisher workspace's pages; none of the first four
needs a request.
"""
