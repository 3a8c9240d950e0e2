# Warnings are errors in every build, CI included.
add_compile_options(-Wall -Wextra -Wpedantic -Werror)
