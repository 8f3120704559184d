# cmake/labs.cmake - the lab handouts' tooling (instructor-only: ci/make-handout
# leaves this file, the tool and its test out of every handout).
#
# Included at the end of CMakeLists.txt (OPTIONAL, so a handout without it configures).
#   handout.tool   tests/test_make_handout.py: ci/make-handout on small made-up
#                  trees (stubs, earlier labs kept, FILE:LINE errors for broken
#                  markers), then --check on this repository's markers
# docs/labs/README.md describes the markers and the handouts.

add_test(NAME handout.tool COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_make_handout.py)
set_tests_properties(handout.tool PROPERTIES TIMEOUT 120)

# handouts.check   ci/check-handouts: every lab's handout is made, built and
#                  graded by its own ci/grade; earlier labs must score full
#                  marks and the lab itself 0 (a test that passes without the
#                  student's work is either fixed or listed "ungraded" in
#                  ci/labs.json). About 45 s on two cores.
add_test(NAME handouts.check COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/ci/check-handouts
  --work ${CMAKE_BINARY_DIR}/handouts)
# COST: CTest starts the costliest tests first, so these long ones overlap the
# many short ones instead of running alone at the end.
set_tests_properties(handouts.check PROPERTIES TIMEOUT 900 RESOURCE_LOCK cpu-heavy COST 900)

# docs.commands    tests/test_docs_commands.py: every command of docs/students.md
#                  and docs/labs/*.md, typed at the top of a fresh handout of its lab
#                  (it must succeed, or fail only as the lab's stubs make it fail) and
#                  against the lab's solution (it must succeed). One handout build, then
#                  only what each lab changes: measured 214 s of CPU time (25 min of wall
#                  time on two cores at a load average of 20-30; the timeout is a backstop).
add_test(NAME docs.commands COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_docs_commands.py)
set_tests_properties(docs.commands PROPERTIES TIMEOUT 3600 RESOURCE_LOCK cpu-heavy COST 1000)
