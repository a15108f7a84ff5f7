"""The one data model that flows through the pipeline.

``base`` holds what every kind of issue shares: items whose fields declare their owner (machine, enriched, LLM,
signal), topic sections, the issue record and its byte-stable dict form, dropped candidates.  Each kind's own types
are declarations on top of it: the daily issue's papers and entries (``daily``), the journal digest's articles
(``journal``).  Records are plain dicts on disk (YAML); ``to_dict``/``from_dict`` are the only place that knows the
field order, so dumps are stable byte for byte.
"""

from .base import *  # noqa: F401,F403  (every public name of the parts, as one module)
from .daily import *  # noqa: F401,F403
from .journal import *  # noqa: F401,F403
