"""`python -m portal.protection new-key [ID]`: print a fresh data-key entry (id:base64).

Works without any configuration, so a first production key can be made before the
application can start."""

import sys

from portal.protection.keys import new_key_line


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "new-key" or len(argv) > 2:
        print("usage: python -m portal.protection new-key [ID]", file=sys.stderr)
        return 2
    print(new_key_line(argv[1] if len(argv) == 2 else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
