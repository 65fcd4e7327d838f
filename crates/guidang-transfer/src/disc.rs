//! Optical discs as carriers (DA/T 38): the disc types a batch can be
//! planned for, with the capacity a carrier may use on each.
//!
//! A disc's raw capacity is its recordable sectors × 2048 bytes (the
//! figures of the DVD+R, DVD-R and BD-R specifications as drives report
//! them); the usable capacity leaves room for the ISO 9660, Joliet and
//! Rock Ridge directory trees and path tables and a margin (1 % and at
//! least 16 MiB), so the data on a disc stays below its real capacity as
//! the transfer measures ask.

/// Sector size of CD, DVD and BD data discs.
pub const SECTOR: u64 = 2048;

/// A disc type a batch can be written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiscType {
    /// CD-R, 700 MB (80 min).
    CdR,
    /// DVD±R, 4.7 GB (the smaller of DVD-R and DVD+R).
    Dvd,
    /// DVD+R DL, 8.5 GB.
    DvdDl,
    /// BD-R, 25 GB.
    Bd25,
    /// BD-R DL, 50 GB.
    Bd50,
    /// BD-R XL, 100 GB.
    Bd100,
}

impl DiscType {
    /// Every type, smallest first.
    pub const ALL: [DiscType; 6] = [
        DiscType::CdR,
        DiscType::Dvd,
        DiscType::DvdDl,
        DiscType::Bd25,
        DiscType::Bd50,
        DiscType::Bd100,
    ];

    /// The code used on the command line and in files.
    pub fn code(self) -> &'static str {
        match self {
            DiscType::CdR => "cd-r",
            DiscType::Dvd => "dvd",
            DiscType::DvdDl => "dvd-dl",
            DiscType::Bd25 => "bd-25",
            DiscType::Bd50 => "bd-50",
            DiscType::Bd100 => "bd-100",
        }
    }

    /// The name printed on forms and in `说明文件.TXT` (类型、规格).
    pub fn label(self) -> &'static str {
        match self {
            DiscType::CdR => "CD-R 700 MB",
            DiscType::Dvd => "DVD±R 4.7 GB",
            DiscType::DvdDl => "DVD+R DL 8.5 GB",
            DiscType::Bd25 => "BD-R 25 GB",
            DiscType::Bd50 => "BD-R DL 50 GB",
            DiscType::Bd100 => "BD-R XL 100 GB",
        }
    }

    /// Parses a code (or the label), forgiving case.
    pub fn from_code(s: &str) -> Option<DiscType> {
        let s = s.trim();
        DiscType::ALL
            .into_iter()
            .find(|d| d.code().eq_ignore_ascii_case(s) || d.label().eq_ignore_ascii_case(s))
    }

    /// Recordable sectors of a blank disc.
    pub fn sectors(self) -> u64 {
        match self {
            DiscType::CdR => 359_849,
            // DVD+R: 2,295,104; DVD-R: 2,298,496. The smaller fits both.
            DiscType::Dvd => 2_295_104,
            DiscType::DvdDl => 4_173_824,
            DiscType::Bd25 => 12_219_392,
            DiscType::Bd50 => 24_438_784,
            DiscType::Bd100 => 48_878_592,
        }
    }

    /// Raw capacity in bytes.
    pub fn raw_bytes(self) -> u64 {
        self.sectors() * SECTOR
    }

    /// What one carrier may use on this disc: the raw capacity less the
    /// file-system trees and a margin (1 %, at least 16 MiB).
    pub fn usable_bytes(self) -> u64 {
        let raw = self.raw_bytes();
        let margin = (raw / 100).max(16 << 20);
        (raw - margin) / SECTOR * SECTOR
    }

    /// Every code, for messages listing the domain.
    pub fn domain() -> String {
        DiscType::ALL
            .iter()
            .map(|d| format!("{}（{}）", d.code(), d.label()))
            .collect::<Vec<_>>()
            .join("、")
    }
}

impl std::fmt::Display for DiscType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_capacity_stays_below_the_real_capacity() {
        for d in DiscType::ALL {
            assert!(d.usable_bytes() < d.raw_bytes(), "{d}");
            assert_eq!(d.usable_bytes() % SECTOR, 0);
            assert_eq!(DiscType::from_code(d.code()), Some(d));
            assert_eq!(DiscType::from_code(d.label()), Some(d));
        }
        // The nominal sizes, as sold (decimal units).
        assert!(DiscType::CdR.raw_bytes() > 700_000_000);
        assert!(DiscType::Dvd.raw_bytes() > 4_700_000_000);
        assert!(DiscType::DvdDl.raw_bytes() > 8_500_000_000);
        assert!(DiscType::Bd25.raw_bytes() > 25_000_000_000);
        assert!(DiscType::Bd100.raw_bytes() > 100_000_000_000);
        assert!(DiscType::Dvd.usable_bytes() > 4_600_000_000);
        assert_eq!(DiscType::from_code("DVD"), Some(DiscType::Dvd));
        assert_eq!(DiscType::from_code("floppy"), None);
    }
}
