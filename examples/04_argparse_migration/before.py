"""Before: a training script whose settings are argparse flags.

Every setting is declared once for the parser (type, default, help) and then copied around as
``args.<name>``; nothing checks ``args.lr`` is positive, and a typo like ``args.learning_rate``
fails only when that line runs. ``after.py`` is the same script moved to typedcfg.

Usage:
    python before.py
    python before.py --epochs 3 --lr 0.01 --optimizer sgd --amp
    python before.py --epochs=5 --batch-size=64
    python before.py --epochs three

Run them from this directory. The last command exits with status 2 (argparse's usage error).
"""

from __future__ import annotations

import argparse


def train(epochs: int, batch_size: int, lr: float, optimizer: str, amp: bool) -> None:
    """The training loop (here: say what it would do)."""
    print(f"epochs={epochs} batch_size={batch_size} lr={lr} optimizer={optimizer} amp={amp}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Train a model.")
    parser.add_argument("--epochs", type=int, default=10, help="Number of epochs")
    parser.add_argument("--batch-size", type=int, default=32, help="Size of each mini-batch")
    parser.add_argument("--lr", type=float, default=0.001, help="Learning rate")
    parser.add_argument(
        "--optimizer", choices=["adam", "sgd"], default="adam", help="Which optimizer to use"
    )
    parser.add_argument("--amp", action="store_true", help="Use mixed precision")
    args = parser.parse_args()
    train(args.epochs, args.batch_size, args.lr, args.optimizer, args.amp)


if __name__ == "__main__":
    main()
