"""Print every reply to one remote-control broadcast, as a JSON list (one entry per reply).

    python3 broadcast_replies.py <method> [json-arguments]

``celery inspect`` merges the replies into one dict by node name, which hides a node that answered
twice; this keeps each reply, so a test can check that every node answered exactly once.
"""

import json
import sys

from tasks import app

method = sys.argv[1]
arguments = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
print(json.dumps(app.control.broadcast(method, arguments=arguments, reply=True, timeout=5)))
