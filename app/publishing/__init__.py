"""Publishers: a workspace to write, review and publish courses, and course packages."""
