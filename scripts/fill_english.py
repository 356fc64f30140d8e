"""Fill the English catalog: our source strings are English, so msgstr = msgid.

Run by `make i18n` after `pybabel update`, so `en` is always complete.
"""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"

with PO.open("rb") as handle:
    catalog = read_po(handle, locale="en")
for message in catalog:
    if not message.id:
        continue
    if isinstance(message.id, tuple | list):
        message.string = tuple(message.id)
    else:
        message.string = message.id
    message.flags.discard("fuzzy")
with PO.open("wb") as handle:
    write_po(handle, catalog, width=76, omit_header=False)
