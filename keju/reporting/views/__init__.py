"""Web pages of direct reporting: 我的填报, the fill page, the review queue and detail, completeness.

Views are thin: the workflow is keju.reporting.services; page data come from `presenters`.
"""
