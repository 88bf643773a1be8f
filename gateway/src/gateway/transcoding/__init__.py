"""The gateway's generic HTTP → gRPC transcoder (issue 10).

Routes come from the services' descriptors (``google.api.http`` and our
``secretariat.api.v1`` options), loaded over gRPC server reflection; no
module here knows any service.
"""
