"""A corpus folder with one file of every format citebot reads, and two PDFs it must skip."""

from __future__ import annotations

from pathlib import Path

from formatfiles import write_docx, write_encrypted_pdf, write_image_pdf, write_pdf

FILLER = (
    "The authority publishes this report every spring for the people of the port towns, "
    "with the figures of the past year and the plans for the next one."
)
CHANNEL = (
    "The dredging of the northern channel to a depth of fourteen metres was completed in "
    "September, two months ahead of schedule."
)
RST = """\
=================
Backup Tool Guide
=================

The backup tool copies folders to a remote store every night and keeps thirty snapshots.

Restoring
=========

To restore a snapshot, run the restore command with the snapshot identifier and a target
folder, as :ref:`the restore section <restore>` explains.

.. code-block:: console

   backup restore --id 42 /srv/restore

Retention
=========

Snapshots older than ninety days are pruned automatically by the weekly cleanup job.
"""
MARKDOWN = """\
# Refund policy

Refunds follow the rules below for every purchase made in our shops or online.

- Refunds are paid within fourteen days of a written request to the office.
- Gift cards cannot be refunded once they have been activated at the till.

```
refund --order 1234 --reason damaged
```
"""


def write_mixed_corpus(root: Path) -> Path:
    """Write the mixed corpus into `root`; return it."""
    root.mkdir(parents=True, exist_ok=True)
    write_pdf(
        root / "harbour.pdf",
        [
            [
                ("h1", "Harbour Authority Annual Report"),
                ("p", FILLER),
                ("h2", "Finances"),
                (
                    "p",
                    "The harbour authority collected 4.2 million euros in port fees during the "
                    "year, mostly from container ships calling at the eastern quay.",
                ),
            ],
            [
                ("h2", "Dredging"),
                (
                    "cols",
                    [
                        CHANNEL,
                        "Work on the southern basin starts next year once the permits from "
                        "the environment agency arrive.",
                    ],
                    [
                        "The old pilot station was sold to the town museum, which plans to open it "
                        "to visitors in the summer.",
                        "The authority also funded the recon-\n"
                        "struction of the lighthouse keeper's cottage on the western pier.",
                    ],
                ),
            ],
            [
                ("h2", "Staff"),
                (
                    "p",
                    "Eighty-two people worked for the harbour authority at the end of the year, "
                    "eleven of them as pilots guiding ships into port.",
                ),
            ],
        ],
        header="Harbour Authority - Annual Report 2024",
        title="Harbour Authority Annual Report 2024",
        author="Harbour Authority",
    )
    write_docx(
        root / "handbook.docx",
        [
            ("h1", "Volunteer Handbook"),
            ("p", "This handbook tells new volunteers of the food bank how the week is organised."),
            ("h2", "Shifts"),
            (
                "p",
                "Volunteers at the food bank work four-hour shifts starting at eight in the "
                "morning, with a break for lunch at noon.",
            ),
            (
                "table",
                [["Day", "Coordinator"], ["Monday", "Ingrid Solberg"], ["Tuesday", "Tomasz Wirth"]],
            ),
        ],
        title="Volunteer Handbook",
        author="Food Bank North",
    )
    (root / "backup.rst").write_text(RST, encoding="utf-8")
    (root / "refunds.md").write_text(MARKDOWN, encoding="utf-8")
    (root / "marche.txt").write_bytes(
        "Le marché de Noël ouvre le premier samedi de décembre sur la place de l'Hôtel de "
        "Ville, avec quarante chalets de bois.\n".encode("latin-1")
    )
    (root / "museum.txt").write_bytes(
        "The museum’s “night tour” costs €12 and starts at nine o’clock every Friday evening "
        "from the main entrance — booking is advised.\n".encode("cp1252")
    )
    write_encrypted_pdf(root / "locked.pdf", "A secret report that needs a password to read.")
    write_image_pdf(root / "scan.pdf")
    return root
