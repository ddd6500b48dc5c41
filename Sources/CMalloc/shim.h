/* glibc's malloc introspection and tuning (mallinfo2, mallopt, malloc_trim), which Swift's
   Glibc module does not import. Part of libc: nothing to link. */
#include <malloc.h>
