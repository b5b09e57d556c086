/*
 * signals.c: stop signals; see signals.h.
 */
#include "signals.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>

void ib_on_stop_signals(void (*handler)(int)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = handler;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        /* a supervisor may have started us with them blocked: a stop sent
         * before this point was held, and is handled now */
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
}
