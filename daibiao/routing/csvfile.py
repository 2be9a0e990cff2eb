"""The CSV the routing and dedup commands read: UTF-8, header ``id,title,body,label``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

HEADER = ("id", "title", "body", "label")


class CSVError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    body: str
    label: str


def read_items(path: str | Path, *, need_label: bool = True) -> list[Item]:
    """The rows of the file; a missing column, a bad encoding or (when ``need_label``) an
    empty label is a CSVError naming the line."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            missing = [
                c for c in HEADER if c not in (reader.fieldnames or ()) and (need_label or c != "label")
            ]
            if missing:
                raise CSVError(
                    f"{path}: the header must be id,title,body,label; missing: {', '.join(missing)}"
                )
            items = []
            for line, row in enumerate(reader, start=2):
                item = Item(
                    *((row.get(c) or "").strip() for c in HEADER),
                )
                if need_label and not item.label:
                    raise CSVError(f"{path}, line {line}: empty label")
                items.append(item)
    except UnicodeDecodeError as exc:
        raise CSVError(f"{path}: not UTF-8 ({exc})") from exc
    except OSError as exc:
        raise CSVError(str(exc)) from exc
    return items
