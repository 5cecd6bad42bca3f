"""Changes an administrator makes to the bureau's vocabulary: indicators, townships (renames, merges) and yearly
targets, validated and recorded. Imports only civdash.domain and civdash.store."""
