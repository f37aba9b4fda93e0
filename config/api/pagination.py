"""Pagination used by the canonical `/api/v1/` lists, and the skip/limit style of document 004."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class SkipLimitPagination(pagination.LimitOffsetPagination):
    """Document 004's `?skip=&limit=` lists."""

    limit_query_param = "limit"
    offset_query_param = "skip"
    default_limit = 100
    max_limit = 500
