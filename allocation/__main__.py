from allocation.faces.cli import main

raise SystemExit(main())
