//===- OneDnn.cpp - Shared oneDNN engine, streams and primitive cache -----===//

#include "OneDnn.h"
#include "Error.h"

#include <omp.h>

#include <cstdlib>
#include <mutex>
#include <new>
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

void *threadScratch(unsigned slot, size_t bytes) {
  struct Buffer {
    void *data = nullptr;
    size_t size = 0;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buffers[kScratchSlots];
  Buffer &buffer = buffers[slot];
  if (bytes > buffer.size) {
    size_t size = (bytes + 63) / 64 * 64;
    void *fresh = std::aligned_alloc(64, size);
    if (!fresh)
      throw std::bad_alloc();
    std::free(buffer.data);
    buffer.data = fresh;
    buffer.size = size;
  }
  return buffer.data;
}

dnnl::primitive_attr userScratchpadAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::memory::desc scratchpadDesc(const dnnl::primitive &p) {
  const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(
      p.get_primitive_desc(), dnnl_query_scratchpad_md, 0);
  return md ? dnnl::memory::desc(*md) : dnnl::memory::desc();
}

void addScratchpad(const dnnl::memory::desc &md,
                   std::unordered_map<int, dnnl::memory> &args) {
  if (size_t bytes = md.get_size())
    args.emplace(DNNL_ARG_SCRATCHPAD,
                 dnnl::memory(md, cpuEngine(), threadScratch(0, bytes)));
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

OneDnnSingleThread::OneDnnSingleThread() : saved(omp_get_max_threads()) {
  omp_set_num_threads(1);
}

OneDnnSingleThread::~OneDnnSingleThread() { omp_set_num_threads(saved); }

} // namespace heed::rt
