"""Course content written in Markdown: parse, check and render it (pure Python, no Flask).

Entry points: ``checker.check_root`` / ``checker.check_files`` for whole content roots,
``parser.parse_course`` / ``parse_module`` / ``parse_quiz`` for one file (``read_*`` for its
warnings too), ``cues`` for the warnings themselves, and ``render.render_markdown`` /
``render_inline`` for sanitised HTML. docs/authoring.md is the format authors follow.
"""
