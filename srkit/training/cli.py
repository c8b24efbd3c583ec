"""``python -m srkit.train``: the command line of :func:`srkit.training.train_from_config`, generated from
:class:`srkit.training.RunConfig`."""

from __future__ import annotations

import argparse
import json

from .config import RunConfig
from .presets import PRESETS


def main(argv: list[str] | None = None) -> int:
    from . import __doc__ as description
    from .run import train_from_config
    from .strategies import make_strategy

    parser = argparse.ArgumentParser(
        prog="python -m srkit.train", description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    RunConfig.add_arguments(parser)
    parser.epilog = f"presets: {', '.join(sorted(PRESETS))}"
    try:
        config = RunConfig.from_arguments(parser.parse_args(argv))
        strategy = make_strategy(config.strategy, logical_cpus=config.logical_cpus)
    except (ValueError, RuntimeError) as error:
        parser.error(str(error))
    _, record = train_from_config(config, strategy=strategy)
    print(json.dumps({k: record[k] for k in ("preset", "steps", "seconds", "best_val_psnr", "parameters", "replicas")}))
    return 0
