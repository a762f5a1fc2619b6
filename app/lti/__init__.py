"""LTI 1.3 (LTI Advantage): Cadre as a tool inside a school's own platform (Moodle and the like).

A school's administrator registers the platform; its teachers then add Cadre to a course page,
pick a course or module (deep linking), and its students open it without a new password. Scores
go back to the platform's gradebook (AGS) and its roster fills the class (NRPS). The protocol is
pylti1p3's (pylti1p3next); what it leaves to the tool is here: where registrations and launch
data live, one-time nonces, accounts, classes, framing and grades.
"""
