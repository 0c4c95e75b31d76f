"""The name of the model a heedc shared library holds, from its symbols.

heedc writes `<name>_build`, `<name>_load`, `<name>_run` and `<name>_free`
into a shared library (docs/compiler.md). heed.load finds `<name>` in the
library's dynamic symbol table (.dynsym and its string table), read with
the ELF64 little-endian layout of x86-64 and AArch64 Linux.
"""

import struct

from .errors import Error


def model_name(path):
    """The `<name>` of the `<name>_load` that the shared library at ``path``
    exports, if it also exports `<name>_build` and `<name>_free`."""
    with open(path, "rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
            raise Error(f"{path} is not a 64-bit little-endian ELF shared library")
        shoff, = struct.unpack_from("<Q", header, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", header, 0x3A)
        f.seek(shoff)
        sections = [struct.unpack("<IIQQQQIIQQ", f.read(shentsize)[:64])
                    for _ in range(shnum)]
        names = set()
        for (_, kind, _, _, offset, size, link, _, _, entsize) in sections:
            if kind != 11 or not entsize:  # SHT_DYNSYM
                continue
            strtab = sections[link]
            f.seek(strtab[4])
            strings = f.read(strtab[5])
            f.seek(offset)
            table = f.read(size)
            for i in range(0, size, entsize):
                name_offset, info, _, shndx = struct.unpack_from("<IBBH", table, i)
                if shndx == 0 or (info & 0xF) != 2:  # defined functions only
                    continue
                end = strings.index(b"\0", name_offset)
                names.add(strings[name_offset:end].decode("ascii", "replace"))
    models = sorted(n[:-5] for n in names if n.endswith("_load")
                    and n[:-5] + "_build" in names and n[:-5] + "_free" in names)
    if len(models) != 1:
        found = ", ".join(models) if models else "none"
        raise Error(f"{path} should hold one model compiled by heedc "
                    f"(<name>_load, _build and _free); found {found}")
    return models[0]
