/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an idle brig-monitor and its relay give back once they are set up:
 * resident memory is what every container pays for (bench/density.sh),
 * twice, since each container has the two processes.
 */
#include "monitor/monitor-internal.h"

#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/* How far below the current frame the stack is given back: more than
 * start-up (the C library's, the seccomp filter's compilation) used. */
#define STACK_SHED (256U * 1024)

/* The pages of code only start-up used: an idle monitor touches a few
 * pages in its loop.  (The pages are the program file's: they come back
 * on use.) */
static void shed_text(uintptr_t page)
{
	extern const char __executable_start[], etext[];
	uintptr_t start = (uintptr_t)__executable_start;
	uintptr_t end = ((uintptr_t)etext + page - 1) & ~(page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_DONTNEED);
}

/* The stack below this frame and the page under it (left for the calls
 * made from here): what deeper calls wrote there is dead.  Beneath the
 * stack's lowest page nothing is mapped (the kernel keeps a gap of at
 * least the stack's limit): madvise skips that part and says ENOMEM. */
__attribute__((noinline)) static void shed_stack(uintptr_t page)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	uintptr_t top = (sp & ~(page - 1)) - page;
	if (top > STACK_SHED)
		(void)madvise((void *)(top - STACK_SHED), STACK_SHED, MADV_DONTNEED);
}

void mon_shed_startup_pages(void)
{
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		return;
	shed_text((uintptr_t)page);
	shed_stack((uintptr_t)page);
	/* The heap's free pages (the relay's filter was compiled there). */
	(void)malloc_trim(0);
}

void mon_malloc_lean(void)
{
	/* The log's and the attach server's buffers (tens of kB, mostly
	 * unused while the container is quiet) on pages of their own, fresh
	 * from mmap, which calloc need not clear: untouched, they cost
	 * nothing.  Carved from the heap's top, calloc would write every page
	 * of them; without the top's usual 128 kB of padding the heap is never
	 * large enough for them. */
	(void)mallopt(M_MMAP_THRESHOLD, 16 * 1024);
	(void)mallopt(M_TOP_PAD, 0);
}
