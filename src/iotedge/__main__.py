"""``python -m iotedge`` runs the command line."""

import sys

from iotedge.cli import main

sys.exit(main())
