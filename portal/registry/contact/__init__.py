"""Reaching a person instead of the machine: the city's channels, the contact form whose message
goes to the service owning a system, and the monthly handover figures each owner enters."""
