"""RQ glue: enqueue after commit, the job functions, the worker and the sweeper."""
