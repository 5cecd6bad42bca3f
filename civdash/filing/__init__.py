"""Township returns (乡镇填报): the open month and its deadline, the form, submission, review (通过/退回), status per
township and the reminder text. May import: ingest, access, domain, store."""
