import sys

from neo.cli import main

sys.exit(main())
