from allocation.cli import main

raise SystemExit(main())
