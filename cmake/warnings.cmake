# Warnings are errors in every build, CI included.
add_compile_options(-Wall -Wextra -Wpedantic -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports a false -Wrestrict inside libstdc++'s string concatenation at -O2/-O3
  # (GCC bug 105329), which would break Release builds under -Werror.
  add_compile_options(-Wno-restrict)
endif()
