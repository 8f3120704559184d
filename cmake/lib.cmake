# cmake/lib.cmake - src/lib, the pure-C helpers every layer uses.
#
# Included from CMakeLists.txt after cmake/kiln.cmake.
#   host.format   cmocka tests of src/lib/format.c (printf-style formatting)
#   host.text     cmocka tests of src/lib/text.c (the bounded text buffer)

kiln_host_test(format SOURCES tests/test_format.c src/lib/format.c)
kiln_host_test(text SOURCES tests/test_text.c src/lib/text.c src/lib/format.c)
