"""Files people download: the 数据查询 table as .xlsx/.csv, the report as .docx, the audit log as .csv/.xlsx, all
by the one rule against formula injection (civdash.domain.spreadsheet). Imports civdash.analysis, civdash.access,
civdash.domain, civdash.store."""
