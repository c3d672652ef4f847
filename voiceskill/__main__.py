from voiceskill.cli import main

raise SystemExit(main())
