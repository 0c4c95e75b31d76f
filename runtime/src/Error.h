//===- Error.h - Errors inside libheedrt ------------------------*- C++ -*-===//
//
// Inside the runtime, failures are C++ exceptions carrying a heed_status;
// every C entry point runs its body through guard(), which turns them into a
// status and the thread's last-error message. Nothing escapes the C API.
//
//===----------------------------------------------------------------------===//

#ifndef HEED_RUNTIME_ERROR_H
#define HEED_RUNTIME_ERROR_H

#include "heed/runtime.h"

#include <exception>
#include <new>
#include <string>

namespace heed::rt {

/// A failure with the status the C API will return.
class Error : public std::exception {
public:
  Error(heed_status status, std::string message, bool namesCall = false)
      : status(status), message(std::move(message)), namesCall(namesCall) {}
  const char *what() const noexcept override { return message.c_str(); }
  heed_status status;
  std::string message;
  /// True when the message already says what failed well enough for a user
  /// (e.g. "weight 'w' is missing from m.safetensors"), so plan calls do not
  /// prefix it with the function's name.
  bool namesCall;
};

[[noreturn]] inline void fail(heed_status status, std::string message) {
  throw Error(status, std::move(message));
}

/// Records \p message as this thread's last error.
void setLastError(std::string message);

/// Runs \p body, converting any exception into a status (and last error).
template <typename Body> heed_status guard(Body &&body) noexcept {
  try {
    body();
    return HEED_OK;
  } catch (const Error &e) {
    setLastError(e.message);
    return e.status;
  } catch (const std::bad_alloc &) {
    setLastError("out of memory");
    return HEED_ERROR_OUT_OF_MEMORY;
  } catch (const std::exception &e) {
    setLastError(std::string("internal error: ") + e.what());
    return HEED_ERROR_INTERNAL;
  } catch (...) {
    setLastError("internal error: unknown exception");
    return HEED_ERROR_INTERNAL;
  }
}

/// "f32[2, 3]" for messages.
std::string describe(heed_dtype dtype, const int64_t *shape, int32_t rank);

} // namespace heed::rt

#endif // HEED_RUNTIME_ERROR_H
