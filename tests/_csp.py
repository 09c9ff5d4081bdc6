"""Test helper: a page with an injected measuring script keeps a policy that allows it.

The report's Content-Security-Policy lists the SHA-256 of each of its own inline scripts
(econscope.report.html.content_security_policy), so a script a test injects is blocked
unless the policy is recomputed over the new markup, exactly as the renderer computes it.
"""

from __future__ import annotations

import re

from econscope.report.html import content_security_policy

_META = re.compile(r'(<meta http-equiv="Content-Security-Policy" content=")[^"]*(")')


def allow_inline_scripts(html: str) -> str:
    """``html`` with its policy recomputed to allow every inline script it now holds."""
    policy = content_security_policy(html)
    return _META.sub(lambda m: m.group(1) + policy + m.group(2), html, count=1)
