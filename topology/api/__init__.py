"""The GraphQL API: strawberry schema on starlette, served by uvicorn (``topology serve``)."""
