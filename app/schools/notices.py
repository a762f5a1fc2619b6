"""Kept for one release: teacher notices queued (or failed, to be retried from the console) under
this name before the notice job moved to ``app.orgs.notices``. Remove once no queue may hold one."""

from app.orgs.models import TEACHER
from app.orgs.notices import send_role_notice


def send_new_teacher_notice(user_id: int, school_id: int, by_name: str, base_url: str) -> None:
    send_role_notice(user_id, school_id, TEACHER, by_name, base_url)
