//! The node's clock: wall time in milliseconds since the Unix epoch, the unit of
//! block times and transaction time bounds.

/// Milliseconds since the Unix epoch (0 if the system clock is before it).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_clock_is_after_2020_and_moves_forward() {
        let a = super::now_ms();
        assert!(a > 1_577_836_800_000, "{a}");
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(super::now_ms() > a);
    }
}
