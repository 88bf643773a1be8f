"""The organisation directory (SPEC X-01) and the calendar's years (X-02), hosted by the gateway."""
