/*
 * string.h - memory and string functions, for kiln's user programs.
 *
 * The kernel's own src/lib/string.c is compiled into the user library, so
 * user programs and the kernel share one implementation and one header
 * (include/lib/string.h): memcpy, memmove, memset, memcmp, strlen, strcmp,
 * strncmp, strchr, strstr, with the C standard's contracts.
 */
#ifndef KILN_USER_STRING_H
#define KILN_USER_STRING_H

#include "lib/string.h"

#endif
