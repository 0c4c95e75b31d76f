//===- PrintableText.h - Is a diagnostic safe for a terminal? ---*- C++ -*-===//

#ifndef HEED_FUZZ_PRINTABLETEXT_H
#define HEED_FUZZ_PRINTABLETEXT_H

#include "heed/io/Json.h"

#include <algorithm>
#include <string>

namespace heed::fuzz {

/// True when \p text shows on a terminal as it is: valid UTF-8 without
/// control characters other than newlines (what HeedDiagnosticHandler
/// promises for whatever a model file holds).
inline bool isPrintableText(const std::string &text) {
  return io::isValidUtf8(text) &&
         std::none_of(text.begin(), text.end(), [](char c) {
           unsigned char u = c;
           return (u < 0x20 && c != '\n') || u == 0x7f;
         });
}

} // namespace heed::fuzz

#endif // HEED_FUZZ_PRINTABLETEXT_H
