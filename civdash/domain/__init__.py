"""The bureau's vocabulary: the indicator catalog, the township registry and its one name matcher, periods, units,
names as people write them, township boundaries. Imports only civdash.store."""
