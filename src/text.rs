//! Small text formatting shared by rules, reports and commands (sizes for people to read).
//! Pure: no IO, and it imports nothing of pgproof's, so any layer may use it.

/// `12.3 MB`-style sizes: bytes below 1 kB, then one decimal in kB, MB, GB or TB (1024-based).
/// A negative size (an estimate gone wrong) reads as 0 bytes.
pub fn human_bytes(bytes: i64) -> String {
    let units = ["kB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{} bytes", bytes.max(0));
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes_read_in_the_largest_unit_below_them() {
        assert_eq!(human_bytes(-5), "0 bytes");
        assert_eq!(human_bytes(0), "0 bytes");
        assert_eq!(human_bytes(1023), "1023 bytes");
        assert_eq!(human_bytes(1024), "1.0 kB");
        assert_eq!(human_bytes(1536), "1.5 kB");
        assert_eq!(human_bytes(8 * 1024 * 1024), "8.0 MB");
        assert_eq!(human_bytes(3 * 1024 * 1024 * 1024), "3.0 GB");
        // TB is the largest unit.
        assert_eq!(human_bytes(2048 * 1024_i64.pow(4)), "2048.0 TB");
    }
}
