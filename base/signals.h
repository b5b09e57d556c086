/**
 * @file signals.h
 * @brief How every long-running command stops: SIGTERM and SIGINT set a
 *        flag through the command's handler, and the loop finishes its step.
 */
#ifndef IB_SIGNALS_H
#define IB_SIGNALS_H

/**
 * @brief Points SIGTERM and SIGINT at @p handler (no SA_RESTART, so blocking
 *        calls return early) and ignores SIGPIPE.
 */
void ib_on_stop_signals(void (*handler)(int));

#endif
