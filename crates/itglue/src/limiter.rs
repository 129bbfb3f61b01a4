//! The request rate limiter shared by all concurrent windows, and backoff.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// At most `max` requests in any span of `window`, as the server counts them.
///
/// A sliding log: a request takes a slot when it is sent and keeps it until
/// `window` after its answer arrived. The server sees each request arrive
/// between those two moments, so no span of `window` on the server's clock
/// can hold more than `max` arrivals. A 429 can also pause every request
/// ([`RateLimiter::pause_for`]).
#[derive(Debug)]
pub(crate) struct RateLimiter {
    max: usize,
    window: Duration,
    state: Mutex<State>,
    released: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// When recent requests finished, oldest first.
    finished: VecDeque<Instant>,
    in_flight: usize,
    paused_until: Option<Instant>,
}

/// A slot taken by one request; dropping it records the request's end.
pub(crate) struct Permit<'a> {
    limiter: &'a RateLimiter,
}

impl RateLimiter {
    pub(crate) fn new(max: u32, window: Duration) -> Self {
        Self {
            max: usize::try_from(max).unwrap_or(usize::MAX).max(1),
            window,
            state: Mutex::new(State::default()),
            released: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data: keep going.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until a request may be sent.
    pub(crate) async fn acquire(&self) -> Permit<'_> {
        loop {
            // Registered before looking, so that a release in between is seen.
            let notified = self.released.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let wait = {
                let mut state = self.lock();
                let now = Instant::now();
                match state.paused_until {
                    Some(until) if until > now => Some(until - now),
                    _ => {
                        state.paused_until = None;
                        while state
                            .finished
                            .front()
                            .is_some_and(|&t| t + self.window < now)
                        {
                            state.finished.pop_front();
                        }
                        if state.finished.len() + state.in_flight < self.max {
                            state.in_flight += 1;
                            return Permit { limiter: self };
                        }
                        // Full: wait for the oldest to leave the window, or
                        // for a request in flight to finish.
                        state
                            .finished
                            .front()
                            .map(|&t| (t + self.window).saturating_duration_since(now))
                    }
                }
            };
            match wait {
                Some(d) => {
                    tokio::select! {
                        () = tokio::time::sleep(d + Duration::from_millis(1)) => {}
                        () = notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// How much longer requests are held back by [`RateLimiter::pause_for`],
    /// when they are.
    pub(crate) fn paused_for(&self) -> Option<Duration> {
        let until = self.lock().paused_until?;
        let now = Instant::now();
        (until > now).then(|| until - now)
    }

    /// Holds every request back for `delay` (after a 429).
    pub(crate) fn pause_for(&self, delay: Duration) {
        let until = Instant::now() + delay;
        let mut state = self.lock();
        if state.paused_until.is_none_or(|t| t < until) {
            state.paused_until = Some(until);
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        {
            let mut state = self.limiter.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.finished.push_back(Instant::now());
        }
        self.limiter.released.notify_waiters();
    }
}

/// The delay before retry number `attempt` (1-based): `base × 2^(attempt-1)`,
/// at most `max`, then a random part of it in `[½, 1]` (jitter).
pub(crate) fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
    let full = base.saturating_mul(factor).min(max);
    full.mul_f64(0.5 + fastrand::f64() * 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for _ in 0..50 {
            let d1 = backoff(1, base, max);
            assert!(d1 >= Duration::from_millis(50) && d1 <= base);
            let d3 = backoff(3, base, max);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
            assert!(backoff(40, base, max) <= max);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_max_in_a_window() {
        let limiter = RateLimiter::new(3, Duration::from_secs(10));
        let start = Instant::now();
        let mut sent = Vec::new();
        for _ in 0..7 {
            let permit = limiter.acquire().await;
            sent.push(Instant::now() - start);
            drop(permit);
        }
        assert!(sent[..3].iter().all(|t| *t < Duration::from_secs(1)));
        assert!(sent[3] >= Duration::from_secs(10), "{sent:?}");
        assert!(sent[6] >= Duration::from_secs(20), "{sent:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn pause_holds_requests_back() {
        let limiter = RateLimiter::new(100, Duration::from_secs(10));
        let start = Instant::now();
        limiter.pause_for(Duration::from_secs(3));
        drop(limiter.acquire().await);
        assert!(Instant::now() - start >= Duration::from_secs(3));
    }
}
