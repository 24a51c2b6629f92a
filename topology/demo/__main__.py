"""``python -m topology.demo --objects N --out DIR``: write a synthetic Calipso export."""

import sys

from topology.demo.generator import main

sys.exit(main())
