from civdash.cli import main

raise SystemExit(main())
