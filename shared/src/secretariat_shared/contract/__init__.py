"""The HTTP contract declared in the protos: options, field rules, JSON mapping.

Used alike by the gateway and by every service (the rule-checking
interceptor), so a rule is written once, in the proto. The transcoding
library is here too, with no web framework: routes from a service's
descriptors (:mod:`.routes`, :mod:`.catalog`), an HTTP request as a message
and an answer as HTTP (:mod:`.transcoding`, :mod:`.calls`), and the OpenAPI
document (:mod:`.openapi`, :mod:`.json_schema`); the gateway adds Flask,
logins and its database (:mod:`gateway.api.transcoder`).
"""
