# instructor/tests.cmake - instructor-only tests (never in a handout).
#
# Included from CMakeLists.txt (OPTIONAL: a handout has no instructor/).
#   host.pmm_hidden   instructor/tests/test_pmm_hidden.c: lab 2 cases students
#                     never see; ci/grade grades them (instructor/labs.json)
kiln_host_test(pmm_hidden SOURCES instructor/tests/test_pmm_hidden.c src/mm/pmm.c src/mm/pmm_index.c
               src/mm/memmap.c)
