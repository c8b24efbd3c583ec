"""A run's configuration: one dataclass that validates itself, and from whose fields both the command line
(``python -m srkit.train``) and the command recorded with every run are generated. An option is added in one
place: a field here (with its help text), and its use in :func:`srkit.training.train`."""

from __future__ import annotations

import argparse
import dataclasses
import shlex
from dataclasses import dataclass, field, fields

from .. import budget as budget_mod
from .._util import positive_int
from ..data import DEGRADATIONS
from .presets import preset
from .strategies import STRATEGIES

#: Keras dtype policies a run can train in (``--precision``): mixed ones compute in 16 bits, keep float32 weights
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")


def _option(default=None, help: str = "", *, command_line: bool = True, always: bool = False, **argparse_kwargs):
    """A field of :class:`RunConfig`: its default, its ``--flag``'s help and argparse settings. ``always``: written
    into the recorded command even at its default (so the command repeats the run whatever the defaults become);
    ``command_line=False``: settable from Python only."""
    metadata = dict(help=help, command_line=command_line, always=always, argparse=argparse_kwargs)
    if isinstance(default, (list, tuple)):
        return field(default_factory=lambda: tuple(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides a training run (the Python arguments of :func:`srkit.training.train`, the
    options of ``python -m srkit.train``, and the fields of the recorded command)."""

    preset: str = _option("", "one of the presets (srkit.training.PRESETS), e.g. espcn-x3", always=True, required=True)
    budget: str | None = _option(
        None, "quick, cpu or gpu (default: detected, see srkit.budget)", always=True, choices=budget_mod.BUDGETS
    )
    steps: int | None = _option(None, "training steps (overrides the budget)", type=int)
    seed: int = _option(0, "seed of the weights and of the patch stream", always=True, type=int)
    data: str | None = _option(None, "folder of HR images or a downloaded set (default: bundled train split)")
    out: str | None = _option(None, "run folder (default: data/runs/PRESET-BUDGET); the same folder resumes")
    init_from: str | None = _option(None, "fine-tune: start from a shipped model (e.g. edsr-small-x2) or a .keras file")
    degradation: str = _option(
        "bicubic",
        "how training and validation LR images are made (default: the benchmarks' bicubic)",
        choices=DEGRADATIONS,
    )
    copies: int | None = _option(None, "LR realisations per image of a random degradation", command_line=False)
    min_std: float = _option(
        0.0, "skip training patches whose HR standard deviation (0..1) is below this (default 0: keep all)", type=float
    )
    hr_scales: tuple[float, ...] = _option(
        (), "also train on every image shrunk by these factors in (0, 1), e.g. 0.9 0.8 0.7", type=float, nargs="+"
    )
    hr_shifts: bool = _option(
        False, "also train on every image shifted by 0..scale-1 pixels: LR from every phase of the sampling grid"
    )
    learning_rate: float | None = _option(
        None, "peak learning rate of the cosine schedule (default: the preset's)", type=float
    )
    lr_patch: int | None = _option(
        None, "LR training patch size in pixels (HR patches are this times the scale; default: the preset's)", type=int
    )
    precision: str = _option(
        "float32",
        "mixed_bfloat16: faster on CPUs with AMX (EDSR-small 2.1x, EDSR-medium 4.7x); "
        "mixed_float16: GPUs (default float32)",
        choices=PRECISIONS,
    )
    strategy: str = _option(
        "default",
        "distribute training: mirrored (all GPUs, or --logical-cpus), multi-worker (TF_CONFIG), tpu",
        choices=STRATEGIES,
    )
    logical_cpus: int | None = _option(
        None, "with --strategy mirrored and no GPU: split the CPU into N logical devices (to learn)", type=int
    )

    def validated(self) -> RunConfig:
        """This configuration, checked (a ``ValueError`` naming the first bad field), with types normalised."""
        preset(self.preset)
        if self.budget is not None and self.budget not in budget_mod.BUDGETS:
            raise ValueError(f"unknown budget {self.budget!r}; choose one of {budget_mod.BUDGETS}")
        steps = None if self.steps is None else positive_int(self.steps, "steps", floats=True)
        if self.learning_rate is not None and not 0 < self.learning_rate < 1:  # also rejects NaN
            raise ValueError(f"learning_rate must be between 0 and 1 (exclusive), got {self.learning_rate}")
        if self.lr_patch is not None and (
            isinstance(self.lr_patch, bool) or int(self.lr_patch) != self.lr_patch or not 4 <= self.lr_patch <= 512
        ):
            raise ValueError(f"lr_patch must be a whole number of LR pixels from 4 to 512, got {self.lr_patch!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}; choose one of {PRECISIONS}")
        if self.degradation not in DEGRADATIONS:
            raise ValueError(f"unknown degradation {self.degradation!r}; choose one of {DEGRADATIONS}")
        if not 0 <= self.min_std < 0.5:  # the standard deviation of [0, 1] values is at most 0.5
            raise ValueError(f"min_std must be in [0, 0.5), got {self.min_std}")
        hr_scales = tuple(float(f) for f in self.hr_scales)
        if any(not 0 < f < 1 for f in hr_scales):
            raise ValueError(f"hr_scales must be factors between 0 and 1 (exclusive), got {list(hr_scales)}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; choose one of {STRATEGIES}")
        if self.logical_cpus is not None and (self.strategy != "mirrored" or self.logical_cpus < 1):
            raise ValueError("logical_cpus (a positive number) only applies to the 'mirrored' strategy")
        lr_patch = None if self.lr_patch is None else int(self.lr_patch)
        return dataclasses.replace(self, steps=steps, hr_scales=hr_scales, lr_patch=lr_patch)

    def command(self) -> str:
        """The ``python -m srkit.train`` command that repeats this run: every option not at its default."""
        words = ["python", "-m", "srkit.train"]
        for f in fields(self):
            value = getattr(self, f.name)
            if not f.metadata["command_line"] or (value == f.default and not f.metadata["always"]):
                continue
            if value is None or (isinstance(value, tuple) and not value):
                continue
            flag = "--" + f.name.replace("_", "-")
            if isinstance(value, bool):
                words.append(flag)
            elif isinstance(value, tuple):
                words += [flag, *(f"{v:g}" for v in value)]
            else:
                words += [flag, f"{value:g}" if isinstance(value, float) else shlex.quote(str(value))]
        return " ".join(words)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """One ``--flag`` per command-line field, with its help, type and choices."""
        for f in fields(cls):
            if not f.metadata["command_line"]:
                continue
            kwargs = dict(f.metadata["argparse"], help=f.metadata["help"])
            if f.type == "bool":
                kwargs["action"] = "store_true"
            elif "required" not in kwargs:
                kwargs["default"] = None if f.default is dataclasses.MISSING else f.default
            if kwargs.get("nargs") == "+":
                kwargs["default"], kwargs["metavar"] = [], "FACTOR"
            parser.add_argument("--" + f.name.replace("_", "-"), **kwargs)

    @classmethod
    def from_arguments(cls, args: argparse.Namespace) -> RunConfig:
        return cls(**{f.name: getattr(args, f.name) for f in fields(cls) if f.metadata["command_line"]}).validated()
