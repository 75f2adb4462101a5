/*
 * LD_PRELOAD shim for running the gateway under valgrind 3.19 (Debian 12).
 *
 * libdispatch's dispatch_main() parks the main thread in
 * sigsuspend(&mask) with `static const sigset_t mask`, which lives in
 * read-only memory. valgrind 3.19's rt_sigsuspend wrapper removes its own
 * signal from the caller's mask *in place*, so it writes to that read-only
 * page and valgrind itself dies with SIGSEGV ("the 'impossible' happened").
 * Handing the kernel a writable copy of the mask avoids that; the behaviour
 * is otherwise identical. Only bench/run.sh's callgrind step loads this.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>

int sigsuspend(const sigset_t *mask) {
    static int (*real_sigsuspend)(const sigset_t *);
    if (!real_sigsuspend) {
        real_sigsuspend = (int (*)(const sigset_t *))dlsym(RTLD_NEXT, "sigsuspend");
    }
    sigset_t writable = *mask;
    return real_sigsuspend(&writable);
}
