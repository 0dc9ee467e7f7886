"""Write the seeded demo inputs: python datasets/demo/generate.py OUTDIR [SEED] (see README.md)."""

import sys
from pathlib import Path

from shegong.demo.generate import generate_demo_inputs

if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(f"usage: {__doc__}")
    seed = int(sys.argv[2]) if len(sys.argv) == 3 else 2021  # the demo's default seed
    inputs = generate_demo_inputs(Path(sys.argv[1]), seed=seed)
    print("\n".join(str(p) for p in [inputs.org_units, inputs.roster, *inputs.ledgers]))
