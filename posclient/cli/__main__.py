import sys

from posclient.cli import main

sys.exit(main())
