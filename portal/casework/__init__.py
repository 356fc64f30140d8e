"""Staff work on tips: the queue and search, workflow actions, statistics, exports."""
