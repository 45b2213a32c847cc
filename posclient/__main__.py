import sys

from posclient.app import main

sys.exit(main())
