"""Reading statisticians' spreadsheets as they are: read → layout → map → validate → commit."""
