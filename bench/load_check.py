"""Count a load run's writes in the database: none lost, none duplicated (issue 6).

    DATABASE_URL=postgres://…/anju_scale .venv/bin/python bench/load_check.py var/load-r1.json

The file is what bench/locustfile.py records at the end of a run: the content marker of every reception
the server accepted (2xx), markers of requests that got no answer (they may or may not exist), and the
number of task transitions accepted. Checks:
  - every accepted marker is in exactly one reception (lost: 0, duplicated: 0);
  - no reception carries a marker of the run that the server did not accept (phantoms), other than the
    unanswered ones;
  - the task events with the note "压测 <run>" are as many as the accepted transitions.
Exits non-zero when a check fails.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> int:
    import django

    django.setup()
    from anju.service.models import Reception
    from anju.tasks.models import TaskEvent

    record = json.loads(Path(sys.argv[1]).read_text())
    run = record["run"]
    accepted = Counter(record["markers"])
    uncertain = set(record.get("uncertain", []))
    pattern = re.compile(rf"LOAD-{re.escape(run)}-[0-9a-f]{{12}}")
    stored = Counter()
    for content in Reception.objects.filter(content__contains=f"LOAD-{run}-").values_list(
        "content", flat=True
    ):
        stored.update(pattern.findall(content))
    lost = [m for m in accepted if stored[m] == 0]
    duplicated = {m: n for m, n in stored.items() if n > 1}
    phantoms = [m for m in stored if m not in accepted and m not in uncertain]
    events = TaskEvent.objects.filter(note=f"压测 {run}").count()
    print(f"run {run}")
    print(
        f"receptions: accepted (2xx) {sum(accepted.values())}, in the database {sum(stored.values())}, "
        f"lost {len(lost)}, duplicated {len(duplicated)}, without a 2xx {len(phantoms)} "
        f"(unanswered requests: {len(uncertain)}, of which stored {len(uncertain & set(stored))})"
    )
    print(f"transitions: accepted (2xx) {record['transitions']}, task events with the run's note {events}")
    ok = not lost and not duplicated and not phantoms and events == record["transitions"]
    ok &= max(accepted.values(), default=1) == 1  # a marker is never sent twice
    print("OK" if ok else "WRITES LOST OR DUPLICATED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
