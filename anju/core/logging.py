import logging
import re

_SECRET = re.compile(r"(?i)(password|passwd|secret|token|authorization)(['\"]?\s*[:=]\s*['\"]?)([^\s'\",&]+)")


class MaskSecretsFilter(logging.Filter):
    """Masks values that look like credentials so secrets never reach the log files."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        masked = _SECRET.sub(r"\1\2***", message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
