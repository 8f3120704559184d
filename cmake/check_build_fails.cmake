# cmake/check_build_fails.cmake - the test behind kiln_build_fails_test (cmake/kiln.cmake).
#
#   cmake -DSOURCE=file.c -DOBJECT=out.o -DEXPECT=regex -P cmake/check_build_fails.cmake
#         -- COMPILER FLAG...
#
# Compiles SOURCE with the compiler command after "--" and passes (exit status 0)
# only when the compile fails and its output matches EXPECT: a compile that works
# means the mistake the file makes is no longer caught; one that fails for
# another reason (a typo, a missing header) proves nothing.

set(compile)
set(after_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_separator)
    list(APPEND compile "${CMAKE_ARGV${i}}")
  elseif(CMAKE_ARGV${i} STREQUAL "--")
    set(after_separator TRUE)
  endif()
endforeach()
if(NOT compile OR NOT DEFINED SOURCE OR NOT DEFINED OBJECT OR NOT DEFINED EXPECT)
  message(FATAL_ERROR "usage: cmake -DSOURCE=file.c -DOBJECT=out.o -DEXPECT=regex "
    "-P check_build_fails.cmake -- COMPILER FLAG...")
endif()

get_filename_component(object_dir ${OBJECT} DIRECTORY)
file(MAKE_DIRECTORY ${object_dir})
file(REMOVE ${OBJECT})
list(JOIN compile " " shown)
message("$ ${shown} -c ${SOURCE} -o ${OBJECT}")
execute_process(
  COMMAND ${compile} -c ${SOURCE} -o ${OBJECT}
  RESULT_VARIABLE status
  OUTPUT_VARIABLE output
  ERROR_VARIABLE output)
message("${output}")

if(status EQUAL 0)
  message(FATAL_ERROR "FAIL: ${SOURCE} compiled; it must not (expected a diagnostic matching '${EXPECT}')")
elseif(NOT output MATCHES "${EXPECT}")
  message(FATAL_ERROR "FAIL: the compile failed (${status}), but not with a diagnostic matching '${EXPECT}'")
endif()
message("PASS: the compile failed with the expected diagnostic")
