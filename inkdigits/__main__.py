from inkdigits.cli import main

raise SystemExit(main())
