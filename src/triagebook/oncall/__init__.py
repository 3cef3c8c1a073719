"""On-call routing: who is paged for a route, in their own time zone (issue 22)."""
