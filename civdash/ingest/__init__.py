"""Uploads: a spreadsheet read (calamine, CSV) → its layout (headers, units, periods) → indicators and townships
mapped → checked → committed as one batch; and the upload template that reads back without a question. Imports
only civdash.domain and civdash.store."""
