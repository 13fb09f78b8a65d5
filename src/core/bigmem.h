/*
 * bigmem.h — zeroed memory for large tables probed at random (hash tables
 * of observations, addresses, rollup groups).
 *
 * A table of tens of megabytes in 4 KiB pages costs a TLB miss on nearly
 * every probe.  Tables of VG_BIG_MIN bytes or more are mapped on their own,
 * aligned to 2 MiB, and advised for transparent huge pages (the kernel's
 * "madvise" mode, Debian's default, gives them only on request); smaller
 * ones come from calloc.  Free with vg_big_free and the same size.
 */
#ifndef VG_CORE_BIGMEM_H
#define VG_CORE_BIGMEM_H

#include <stddef.h>

#define VG_BIG_MIN ((size_t)2 << 20)

/* n elements of size bytes, zeroed; NULL when out of memory. */
void *vg_big_calloc(size_t n, size_t size);
void vg_big_free(void *p, size_t n, size_t size);

#endif
