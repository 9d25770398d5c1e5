"""The publish stage: the published tables, the data package, feedback pages and agency templates.

``publish_data`` (``pipeline.publish.run``) validates, updates the store and swaps the
new output folders in.
"""

from pipeline.publish.run import PublishResult, publish_data

__all__ = ["PublishResult", "publish_data"]
