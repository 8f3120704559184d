# cmake/lib.cmake - src/lib, the pure-C helpers every layer uses.
#
# Included from CMakeLists.txt after cmake/kiln.cmake.
#   host.format   cmocka tests of src/lib/format.c (printf-style formatting)

kiln_host_test(format SOURCES tests/test_format.c src/lib/format.c)
