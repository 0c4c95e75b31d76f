//===- OneDnn.cpp - Shared oneDNN engine, streams and primitive cache -----===//

#include "OneDnn.h"
#include "Error.h"

#include <mutex>
#include <unordered_map>

namespace heed::rt {

dnnl::engine &cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream &threadStream() {
  static thread_local dnnl::stream stream(cpuEngine());
  return stream;
}

namespace {
std::mutex cacheMutex;
std::unordered_map<std::string, dnnl::primitive> &cache() {
  static std::unordered_map<std::string, dnnl::primitive> c;
  return c;
}
} // namespace

dnnl::primitive cachedPrimitive(const std::string &key,
                                const std::function<dnnl::primitive()> &make) {
  std::lock_guard<std::mutex> lock(cacheMutex);
  auto it = cache().find(key);
  if (it != cache().end())
    return it->second;
  try {
    dnnl::primitive p = make();
    cache().emplace(key, p);
    return p;
  } catch (const dnnl::error &e) {
    fail(HEED_ERROR_INTERNAL,
         "oneDNN could not create " + key + ": " + e.what());
  }
}

size_t primitiveCacheSize() {
  std::lock_guard<std::mutex> lock(cacheMutex);
  return cache().size();
}

dnnl::memory::data_type toDnnl(heed_dtype dtype) {
  switch (dtype) {
  case HEED_F32:
    return dnnl::memory::data_type::f32;
  case HEED_F16:
    return dnnl::memory::data_type::f16;
  case HEED_BF16:
    return dnnl::memory::data_type::bf16;
  case HEED_I32:
    return dnnl::memory::data_type::s32;
  default:
    fail(HEED_ERROR_DTYPE, "oneDNN has no equivalent of this dtype");
  }
}

} // namespace heed::rt
