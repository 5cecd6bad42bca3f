"""Files people download: the 数据查询 table as .xlsx/.csv, the report as .docx, the audit log as .csv/.xlsx, and
the one rule against formula injection. Imports civdash.analysis, civdash.access, civdash.domain, civdash.store."""
