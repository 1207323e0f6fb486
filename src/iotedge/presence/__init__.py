"""CPython side of presence estimation: file formats, batch replay, evaluation.

The estimator itself is portable and lives in ``iotedge.core.presence_*``.
"""
