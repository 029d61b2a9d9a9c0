"""What pyHanko's lenient reader hides: a dictionary that defines the same key twice.

pyHanko keeps the first definition (and only logs the second); a viewer may use the last. A catalog
appended after signing with two /OpenAction entries, a harmless one first and a script last, looked
unchanged to the validator while a reader would run the script. So the objects written after the
first signature are read again here, from their bytes, for duplicate keys (in nested dictionaries
too). A small tokenizer of PDF syntax (ISO 32000-1 §7.2, §7.3): it never builds the objects, and it
stops at the end of the object's value (before any stream data) or at anything it cannot read.
"""

import re

# One token after any whitespace and comments (possessive: nothing to backtrack into on garbage): a delimiter
# (1), a name (2), a hex string (3), the start of a literal string (4), or a regular token (5: number, R, obj ...).
_REGULAR = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"
_TOKEN = re.compile(
    rb"(?:[\x00\t\n\x0c\r ]++|%[^\r\n]*+)*+"
    rb"(?:(<<|>>|[\[\]{}])|(/" + _REGULAR + rb"*+)|(<[0-9A-Fa-f\x00\t\n\x0c\r ]*+>)|(\()|(" + _REGULAR + rb"++))"
)
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_INTEGER = re.compile(rb"[+-]?\d+")
_STRING_SPECIAL = re.compile(rb"[\\()]")
STRING, HEX = b"(", b"<"


def _string_end(data, pos):
    """The position after the literal string starting at ``pos`` ("("), or -1 if it never ends."""
    depth = 0
    while (m := _STRING_SPECIAL.search(data, pos)) is not None:
        c, pos = m.group(), m.end()
        if c == b"\\":  # the next byte is escaped
            pos += 1
        elif c == b"(":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return pos
    return -1


def _token(data, pos):
    """(token, position after it) from ``pos``: b"<<", b">>", b"[", b"]", a name (b"/..." with #xx decoded),
    STRING or HEX for a string, or a regular token (number, R, obj, true ...); (None, pos) at the end or on garbage."""
    m = _TOKEN.match(data, pos)
    if m is None:
        return None, pos
    kind, tok = m.lastindex, m.group(m.lastindex)
    if kind == 2 and b"#" in tok:
        return _NAME_ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]), tok), m.end()
    if kind == 3:
        return HEX, m.end()
    if kind == 4:
        end = _string_end(data, m.start(4))
        return (STRING, end) if end > 0 else (None, pos)
    return tok, m.end()


def duplicate_keys(data: bytes, pos: int, header: bool = True) -> list:
    """The keys defined twice in one dictionary of the object at ``pos`` ("N G obj" first when ``header``), as
    names ("/OpenAction"), in order of appearance; [] when there are none or the bytes are not an object."""
    if header:
        for expected in (_INTEGER, _INTEGER, b"obj"):
            tok, pos = _token(data, pos)
            if tok is None or (tok != expected if isinstance(expected, bytes) else not expected.fullmatch(tok)):
                return []
    found = []
    stack = []  # [keys, expecting_key] for a dictionary, None for an array
    ahead = []  # tokens read ahead (after an integer, to see whether it begins "12 0 R")

    def take():
        nonlocal pos
        if ahead:
            return ahead.pop()
        tok, pos = _token(data, pos)
        return tok

    while (tok := take()) is not None:
        frame = stack[-1] if stack else None
        if frame is not None and frame[1]:  # a dictionary's key, or its end
            if tok == b">>":
                stack.pop()
            elif tok[:1] == b"/":
                if tok in frame[0]:
                    found.append(tok.decode("latin-1"))
                frame[0].add(tok)
                frame[1] = False
                continue
            else:
                return found
        elif tok == b"<<":
            stack.append([set(), True])
            continue
        elif tok == b"[":
            stack.append(None)
            continue
        elif tok == b"]" and stack and frame is None:
            stack.pop()
        elif tok in (b">>", b"]", b"{", b"}"):
            return found
        elif _INTEGER.fullmatch(tok):  # "12 0 R" is one value
            gen = take()
            r = take() if gen is not None and _INTEGER.fullmatch(gen) else None
            if r != b"R":
                ahead.extend(t for t in (r, gen) if t is not None)  # read again, gen first
        # a value is complete
        if not stack:
            return found
        if stack[-1] is not None:
            stack[-1][1] = True
    return found


def _in_object_stream(reader, ref, marker, revision):
    """Duplicate keys of object ``ref`` stored in an object stream, read as pyHanko reads it (the first entry
    of that number in the stream's header), the stream as of ``revision``."""
    from pyhanko.pdf_utils import generic

    stream = reader.get_object(generic.Reference(marker.obj_stream_id, 0, reader), revision=revision)
    if not isinstance(stream, generic.StreamObject):
        return []
    data, first = stream.data, int(stream.get("/First", 0))
    pos = 0
    for _ in range(int(stream.get("/N", 0))):
        number, pos = _token(data, pos)
        offset, pos = _token(data, pos)
        if number is None or offset is None or not (_INTEGER.fullmatch(number) and _INTEGER.fullmatch(offset)):
            return []
        if int(number) == ref.idnum:
            return duplicate_keys(data, first + int(offset), header=False)
    return []


def duplicates_after(reader, data: bytes, revision: int) -> list:
    """(revision, object, key) for each key defined twice in an object or trailer written after ``revision``: the
    object as "12 0 R" or "trailer"."""
    from pyhanko.pdf_utils.xref import ObjStreamRef, XRefSectionType

    xrefs, found = reader.xrefs, []
    for rev in range(revision + 1, xrefs.total_revisions):
        written = xrefs.explicit_refs_in_revision(rev)
        for ref in sorted(written, key=lambda r: (r.idnum, r.generation)):
            where = xrefs.get_historical_ref(ref, rev)
            if isinstance(where, int):
                keys = duplicate_keys(data, where)
            elif isinstance(where, ObjStreamRef):
                keys = _in_object_stream(reader, ref, where, rev)
            else:
                keys = []
            found += [(rev, f"{ref.idnum} {ref.generation} R", key) for key in keys]
        meta = xrefs.get_xref_container_info(rev)
        if meta.xref_section_type in (XRefSectionType.STANDARD, XRefSectionType.HYBRID_MAIN):
            at = data.find(b"trailer", meta.start_location)
            keys = duplicate_keys(data, at + len(b"trailer"), header=False) if at >= 0 else []
        elif meta.stream_ref in written:  # the xref stream's dictionary is the trailer, read above as an object
            keys = []
        else:
            keys = duplicate_keys(data, meta.start_location)
        found += [(rev, "trailer", key) for key in keys]
    return found
