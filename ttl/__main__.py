import sys

from ttl.cli import main

sys.exit(main())
