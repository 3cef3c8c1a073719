"""`inv doctor`: is the on-call path ready before it is needed? One function per check."""
