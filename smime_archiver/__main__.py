from smime_archiver.cli import main

raise SystemExit(main())
