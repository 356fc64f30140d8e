"""How long tips are kept, and how they go.

A tip is kept while it is open (its holder is reminded after a year, never surprised by a
deletion). Once closed, the retention policy (days per category and closing status,
editable by the coordinator's administrators) says when it is deleted; a reporter who
withdraws a report has seven days to change their mind. A supervisor's legal hold stops
any deletion. Deleting removes the tip's rows, files, blind-index entries, queued jobs
and its data key, and leaves a tombstone without content and audit lines.
"""
