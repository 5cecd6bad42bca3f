"""The command line, ``python -m civdash COMMAND``: main (the parser, demo, info, migrate) and one module per command
group (uploads: import, batches, rollback; export; report; users; backup and restore). May import all of civdash."""
