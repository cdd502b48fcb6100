/* sanitizer_prefault.c: in an AddressSanitizer build only, map the program's
 * writable segments before main, so LeakSanitizer's scan at exit does not
 * take one page fault per 4 KiB page.
 *
 * At exit LeakSanitizer reads every writable PT_LOAD segment of every loaded
 * module, looking for pointers into the heap.  Most of that memory was never
 * touched: the sanitizer runtime's own stack depot alone is about 8.6 MB of
 * .bss.  Each first read of an untouched page faults (to map the shared zero
 * page), and on a paravirtualised guest a fault costs microseconds: about
 * 2200 faults and a third of the CPU of a short `brig` command in the
 * sanitizer build.  One madvise(MADV_POPULATE_READ) per segment maps the same
 * zero pages in a loop inside the kernel instead.
 *
 * Nothing here is compiled into a build without AddressSanitizer. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BRIG_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BRIG_ASAN 1
#endif

#ifdef BRIG_ASAN
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif

static int prefault_module(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t end = start + ph->p_memsz;
		start &= ~(uintptr_t)4095;
		end = (end + 4095) & ~(uintptr_t)4095;
		/* An optimisation only: a kernel without MADV_POPULATE_READ
		 * (EINVAL) leaves the faults to the scan, as before. */
		(void)madvise((void *)start, end - start, MADV_POPULATE_READ);
	}
	return 0;
}

__attribute__((constructor)) static void brig_sanitizer_prefault(void)
{
	dl_iterate_phdr(prefault_module, NULL);
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int brig_sanitizer_prefault_unused;
#endif
