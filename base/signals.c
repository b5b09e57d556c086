/*
 * signals.c: the one stop flag; see signals.h.
 */
#include "signals.h"

#include <pthread.h>
#include <string.h>

volatile sig_atomic_t ib_stop_requested;

static void on_stop(int sig) {
        (void)sig;
        ib_stop_requested = 1;
}

void ib_stop_signals(void) {
        ib_stop_requested = 0; /* before the handler: a stop held since start-up is delivered at once */
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        sigaddset(&stop, SIGINT);
        pthread_sigmask(SIG_UNBLOCK, &stop, NULL);
}
