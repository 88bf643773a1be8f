"""The HTTP contract declared in the protos: options, field rules, JSON mapping.

Used alike by the gateway (transcoding, OpenAPI) and by every service (the
rule-checking interceptor), so a rule is written once, in the proto.
"""
