# cmake/user.cmake - kiln's user programs: the ELF files the kernel runs in ring 3.
#
# Included from CMakeLists.txt before the boot ISO, which carries every program.
#   kiln_user_libc     static library: the user C library (src/user/lib) plus the
#                      kernel's pure-C src/lib/format.c and src/lib/string.c,
#                      compiled again with the user flags below
#   kiln_user_crt0     object library: _start (src/user/crt0.asm), linked into
#                      every program directly (an archive member is only pulled
#                      in for an undefined symbol, and nothing references _start)
#   user_NAME          one freestanding static ELF64 per program, written to
#                      build/user/NAME (no extension: the name is the GRUB module's)
#   user_programs      builds them all
#   host_user_elf      runs the kernel's ELF validator (src/proc/elf.c) on each
#                      built program (CTest: host.user-elf-valid)
#
# Adding a program: write src/user/programs/NAME.c, add NAME to
# KILN_USER_PROGRAMS and a `module2 /boot/programs/NAME NAME` line to
# iso/grub.cfg. Configuring stops with a message if the three disagree.

set(KILN_USER_PROGRAMS
  # the user suite: each exits 0 when all is right
  demo
  hello
  exit42
  syscalls
  heapgrow
  manyalloc
  libc
  bench
  # large images: a .bss the loader must refuse at 128 MiB, and one that fits
  bigbss-refused
  bigbss-96m
  # the hostile suite: each tries something the kernel must refuse or survive
  hostile-read-kernel
  hostile-write-kernel
  hostile-exec-kernel
  hostile-write-code
  hostile-exec-stack
  hostile-exec-heap
  hostile-bad-pointers
  hostile-bad-syscall
  hostile-double-free
  hostile-oom
  hostile-stack-overflow
  hostile-divide-zero
  hostile-cli
  hostile-hlt
  hostile-out
  hostile-lgdt
  hostile-ud2
  hostile-null
  hostile-corrupt-heap
  hostile-nt
  hostile-x87
  hostile-fake-tap
  # the demand pager's attackers (src/ktest/test_demand.c runs them under each vm= policy)
  hostile-demand-oom
  hostile-fault-storm
  hostile-demand-syscalls
)

set(KILN_USER_DIR ${CMAKE_CURRENT_SOURCE_DIR}/src/user)
set(KILN_USER_LD ${KILN_USER_DIR}/user.ld)

# The kernel's flags (toolchain.cmake) minus what only a kernel needs:
# user code runs at 0x400000 (the default small code model, not
# -mcmodel=kernel) and may keep the red zone (interrupts from ring 3 switch
# to the kernel stack). -mgeneral-regs-only stays: the kernel does not enable
# SSE for user mode, so one SSE instruction would fault.
set(KILN_USER_C_FLAGS
  -ffreestanding          # no hosted libc: ours is src/user/lib
  -fno-stack-protector    # no __stack_chk_guard
  -fno-pic -fno-pie       # linked at fixed addresses (the kernel does not relocate)
  -mgeneral-regs-only     # no SSE/x87 registers
  -fno-omit-frame-pointer # RBP chains for backtraces in gdb
  -fno-asynchronous-unwind-tables
  -O2 -g                  # after the build type's flags, so these win
)

set(KILN_USER_LINK_FLAGS
  -nostdlib -static
  $<$<C_COMPILER_ID:GNU>:-no-pie> # gcc may default to PIE; clang with -static never does
                                  # (and warns that -no-pie is unused)
  -Wl,--build-id=none
  -Wl,-z,max-page-size=0x1000 # segments are page-aligned in the file at 4 KiB, not 2 MiB
  -Wl,-z,noexecstack
  -Wl,-T,${KILN_USER_LD}
)

# ---- the C library and _start

add_library(kiln_user_libc STATIC
  ${KILN_USER_DIR}/lib/syscall.c
  ${KILN_USER_DIR}/lib/stdio.c
  ${KILN_USER_DIR}/lib/stdlib.c
  ${KILN_USER_DIR}/lib/check.c
  src/lib/format.c
  src/lib/string.c
)
# PUBLIC: the programs get the same include directories and flags.
target_include_directories(kiln_user_libc PUBLIC ${KILN_USER_DIR}/include include)
target_compile_options(kiln_user_libc PUBLIC ${KILN_USER_C_FLAGS} ${KILN_WARNINGS})

add_library(kiln_user_crt0 OBJECT ${KILN_USER_DIR}/crt0.asm)

# ---- one ELF per program

set(KILN_USER_PROGRAM_TARGETS) # user_demo ...
set(KILN_USER_PROGRAM_FILES)   # their paths (generator expressions), for the ISO and the check
foreach(program IN LISTS KILN_USER_PROGRAMS)
  set(target user_${program})
  add_executable(${target} ${KILN_USER_DIR}/programs/${program}.c
                 $<TARGET_OBJECTS:kiln_user_crt0>)
  target_link_libraries(${target} PRIVATE kiln_user_libc)
  target_link_options(${target} PRIVATE ${KILN_USER_LINK_FLAGS})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${program}
    SUFFIX ""
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/user
    LINK_DEPENDS ${KILN_USER_LD})
  list(APPEND KILN_USER_PROGRAM_TARGETS ${target})
  list(APPEND KILN_USER_PROGRAM_FILES $<TARGET_FILE:${target}>)
endforeach()
add_custom_target(user_programs DEPENDS ${KILN_USER_PROGRAM_TARGETS})

# ---- the list, the source files and iso/grub.cfg must agree

# kiln_user_check_same_set(WHAT LIST): stop configuring if LIST is not
# KILN_USER_PROGRAMS, naming the programs missing from either side.
function(kiln_user_check_same_set what)
  set(found ${ARGN})
  set(missing ${KILN_USER_PROGRAMS})
  list(REMOVE_ITEM missing ${found})
  set(extra ${found})
  list(REMOVE_ITEM extra ${KILN_USER_PROGRAMS})
  set(unique ${found})
  list(REMOVE_DUPLICATES unique)
  if(NOT unique STREQUAL found)
    message(FATAL_ERROR "cmake/user.cmake: ${what} names a program twice: ${found}")
  endif()
  if(missing OR extra)
    list(JOIN missing " " missing)
    list(JOIN extra " " extra)
    if(NOT missing)
      set(missing "(none)")
    endif()
    if(NOT extra)
      set(extra "(none)")
    endif()
    message(FATAL_ERROR "cmake/user.cmake: ${what} and KILN_USER_PROGRAMS disagree.\n"
      "  in KILN_USER_PROGRAMS only: ${missing}\n"
      "  in ${what} only: ${extra}\n"
      "Every program needs its source file src/user/programs/NAME.c, its name in "
      "KILN_USER_PROGRAMS and a line `module2 /boot/programs/NAME NAME` in iso/grub.cfg.")
  endif()
endfunction()

set(grub_cfg ${CMAKE_CURRENT_SOURCE_DIR}/iso/grub.cfg)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${grub_cfg})
file(STRINGS ${grub_cfg} module_lines REGEX "^[ \t]*module2[ \t]+/boot/programs/")
set(grub_programs)
foreach(line IN LISTS module_lines)
  # The module's name (what the kernel looks programs up by) must be its file name.
  if(NOT line MATCHES "^[ \t]*module2[ \t]+/boot/programs/([^ \t]+)[ \t]+([^ \t]+)[ \t]*$"
     OR NOT CMAKE_MATCH_1 STREQUAL CMAKE_MATCH_2)
    message(FATAL_ERROR "cmake/user.cmake: iso/grub.cfg line '${line}' is not of the form "
      "`module2 /boot/programs/NAME NAME`")
  endif()
  list(APPEND grub_programs ${CMAKE_MATCH_1})
endforeach()
kiln_user_check_same_set("iso/grub.cfg" ${grub_programs})

file(GLOB program_sources CONFIGURE_DEPENDS ${KILN_USER_DIR}/programs/*.c)
set(source_programs)
foreach(source IN LISTS program_sources)
  get_filename_component(name ${source} NAME_WE)
  list(APPEND source_programs ${name})
endforeach()
kiln_user_check_same_set("src/user/programs/*.c" ${source_programs})

# ---- every program passes the kernel's ELF validator

# A build check, not a unit test: host.elf tests the validator itself (with
# the sanitizers); this runs it on the real programs and prints each refusal.
add_executable(host_user_elf tests/check_user_elf.c src/proc/elf.c src/lib/format.c)
target_include_directories(host_user_elf PRIVATE include)
target_compile_options(host_user_elf PRIVATE ${KILN_WARNINGS} -g)
add_test(NAME host.user-elf-valid COMMAND host_user_elf ${KILN_USER_PROGRAM_FILES})
