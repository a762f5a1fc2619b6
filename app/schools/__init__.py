"""Schools: classes that students join with a code, assignments with due dates, teachers' views."""
