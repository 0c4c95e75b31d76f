# Helpers shared by every folder's CMakeLists.txt.

# Compile a target that includes LLVM/MLIR headers with LLVM's flags and link
# it against the one shared libMLIR.so (never the static MLIR* libraries: see
# DESIGN.md).
function(heed_use_mlir target)
  target_include_directories(${target} SYSTEM PUBLIC
    ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
  target_compile_definitions(${target} PUBLIC ${LLVM_DEFINITIONS_LIST})
  target_compile_options(${target} PRIVATE -fno-exceptions)
  target_link_libraries(${target} PUBLIC MLIR LLVM)
endfunction()

# Warnings for Heed's own code.
function(heed_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# A GoogleTest executable registered with CTest.
function(heed_unittest name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/unittests)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main)
  heed_warnings(${name})
  add_test(NAME ${name} COMMAND ${name})
endfunction()
