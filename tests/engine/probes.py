"""What a probe submission's answer cell starts with: try something, and say whether it was allowed."""

#: Defines ``attempt(fn)``: "ALLOWED" if ``fn()`` ran, else the name of the exception it raised.
PRELUDE = '''
import json, os, socket
def attempt(fn):
    try:
        fn()
        return "ALLOWED"
    except Exception as exc:
        return type(exc).__name__
'''
