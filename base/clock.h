/**
 * @file clock.h
 * @brief Clocks, deadlines and sleeps: wall clock for what is written down
 *        (event times, file stamps), the monotonic clock for every duration.
 */
#ifndef IB_CLOCK_H
#define IB_CLOCK_H

#include <stdint.h>
#include <time.h>

/** @brief Current wall-clock time in ms since the epoch. */
int64_t ib_now_ms(void);

/** @brief Monotonic clock in microseconds. */
int64_t ib_mono_us(void);

/** @brief Sets @p ts to CLOCK_REALTIME + @p ms, the absolute deadline that
 *         pthread_cond_timedwait() takes. */
void ib_deadline_ms(struct timespec *ts, int ms);

/** @brief Sleeps @p ms milliseconds in full, resuming after a signal. */
void ib_sleep_ms(int64_t ms);

#endif
