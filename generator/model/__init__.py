"""The one data model that flows through the pipeline.

``Paper`` is what a source yields (metadata only).  ``Entry`` is a paper as published in an issue: the paper plus the
selection result and the slots that enrichment or an editor fill in.  ``Issue`` is one day's record, the single source
of truth from which its page and feed items are rendered; the journal digest has its own (``journal``).  Field
ownership (machine, enrichable, LLM, editable) is declared here once.

Records are plain dicts on disk (YAML); ``to_dict``/``from_dict`` are the only place that knows the field order, so
dumps are stable byte for byte.
"""

from .daily import *  # noqa: F401,F403  (every public name of both parts, as one module)
from .journal import *  # noqa: F401,F403
