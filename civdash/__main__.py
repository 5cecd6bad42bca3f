from civdash.cli.main import main

raise SystemExit(main())
