/* SPDX-License-Identifier: MIT */
/*
 * Unwinding the user stack windows that uprobes copy with --stack dwarf
 * (uktrace-record: %sp, %bp and the stack's first 1 KiB as the fetchargs
 * __ustk_sp, __ustk_bp, __ustk0, __ustk1) by the call frame information
 * of the objects the trace holds (EHFRAME blocks, cfi.h), post-mortem,
 * as perf's --call-graph dwarf does: whole stacks of programs built
 * without frame pointers. x86-64 only (the registers it follows).
 */
#ifndef UKT_DWUNWIND_H
#define UKT_DWUNWIND_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "symbolize.h"
#include "trace.h"

struct dwunwind;

/* For t's EHFRAME blocks and the objects of sy (both outlive it). NULL
 * on ENOMEM; one with nothing to unwind by when the trace has none. */
struct dwunwind *dwunwind_new(const struct trace *t, const struct symbolizer *sy);
void dwunwind_free(struct dwunwind *u);

/* Whether the trace has unwind tables (and events may carry windows). */
bool dwunwind_enabled(const struct dwunwind *u);

/*
 * The stack of ev (in process pid), innermost first, into out (at most
 * max): its instruction pointer, then each caller's return address, as
 * far as the rules and the window reach. rets are the return addresses
 * the kernel's uretprobe trampoline stands in for on the thread,
 * innermost first (pairer_open_returns). The number of frames; 0 when ev
 * carries no window. *cut: it stopped at max frames.
 */
int dwunwind_event(struct dwunwind *u, const struct dec_event *ev, int pid,
		   const uint64_t *rets, int nrets, uint64_t *out, int max, bool *cut);

#endif
