from posecheck.cli import main

raise SystemExit(main())
