"""What a training run writes about itself (``record.json``), and the exception of a run that diverged."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from .._util import write_atomic


class TrainingDiverged(RuntimeError):
    """The loss or the model's outputs became NaN or infinite before any epoch could be kept."""


@dataclass
class RunRecord:
    """Everything needed to understand and repeat a run. Fields read like a dict too (``record["steps"]``), as
    the JSON file does; :meth:`to_dict` gives that dict."""

    preset: str
    model: str
    scale: int
    hyperparameters: dict
    lr_patch: int
    batch_size: int
    learning_rate: float
    loss: str
    clipnorm: float | None
    epochs: int
    parameters: int
    budget: str
    steps: int
    seed: int
    data: str
    degradation: str
    copies: int
    min_std: float
    hr_scales: list
    hr_shifts: bool
    init_from: str | None
    precision: str
    replicas: int
    strategy: str
    transferred_layers: int
    train_images: list
    validation_images: list
    seconds: float
    resumed_after_epochs: int | None
    best_val_psnr: float | None
    history: dict
    command: str
    versions: dict = field(default_factory=dict)
    machine: dict = field(default_factory=dict)

    def __getitem__(self, key: str):
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default=None):
        return getattr(self, key, default) if key in self.__dataclass_fields__ else default

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def write(self, path: Path) -> None:
        write_atomic(path, json.dumps(self.to_dict(), indent=1))
