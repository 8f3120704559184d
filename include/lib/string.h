/*
 * lib/string.h - the C string and memory functions the kernel provides.
 *
 * The same names and contracts as the C standard library, so code reads the
 * same in the kernel and in the host tests (which use the host's libc).
 * The compiler may also call memcpy/memset/memmove/memcmp on its own, for
 * structure copies, so a freestanding kernel must define them.
 */
#ifndef KILN_LIB_STRING_H
#define KILN_LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);

#endif
