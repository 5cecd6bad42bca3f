"""Figures from stored facts: aggregation by kind, 同比/环比, year-to-date, completeness, the watch list, reporting
progress, the 数据查询 table and the 汇报材料 report. Imports only civdash.domain and civdash.store."""
