//! The node's clock: wall time in milliseconds since the Unix epoch, the unit of
//! block times and transaction time bounds; and [`Quiet`], which keeps a repeated
//! log line to once per interval.

use std::time::{Duration, Instant};

/// Milliseconds since the Unix epoch (0 if the system clock is before it).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A log line that is due at most once per interval, counting what it stood for.
#[derive(Debug)]
pub struct Quiet {
    interval: Duration,
    last: Option<Instant>,
    held: u64,
}

impl Quiet {
    /// A line due at most once per `interval`.
    pub fn new(interval: Duration) -> Quiet {
        Quiet {
            interval,
            last: None,
            held: 0,
        }
    }

    /// `Some(n)` if the line is due now, `n` the occurrences held back since the
    /// last one; `None` if it is held back.
    pub fn due(&mut self) -> Option<u64> {
        match self.last {
            Some(t) if t.elapsed() < self.interval => {
                self.held += 1;
                None
            }
            _ => {
                self.last = Some(Instant::now());
                Some(std::mem::take(&mut self.held))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_line_is_due_once_per_interval_with_the_count_held() {
        let mut q = Quiet::new(Duration::from_millis(50));
        assert_eq!(q.due(), Some(0));
        assert_eq!(q.due(), None);
        assert_eq!(q.due(), None);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(q.due(), Some(2));
    }

    #[test]
    fn the_clock_is_after_2020_and_moves_forward() {
        let a = super::now_ms();
        assert!(a > 1_577_836_800_000, "{a}");
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(super::now_ms() > a);
    }
}
