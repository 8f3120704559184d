# cmake/lib.cmake - src/lib, the pure-C helpers every layer uses.
#
# Included from CMakeLists.txt after cmake/kiln.cmake.
#   host.format   cmocka tests of src/lib/format.c (printf-style formatting)
#   host.text     cmocka tests of src/lib/text.c (the bounded text buffer)
#   host.line_edit  cmocka tests of src/lib/line_edit.c (the monitor's line editor)

kiln_host_test(format SOURCES tests/test_format.c src/lib/format.c)
kiln_host_test(text SOURCES tests/test_text.c src/lib/text.c src/lib/format.c)
kiln_host_test(line_edit SOURCES tests/test_line_edit.c src/lib/line_edit.c)
