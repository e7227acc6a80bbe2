//! Small-number suppression for board reports, which are often published.
//!
//! A count from 1 to `below - 1` is shown as "fewer than N" (primary suppression). A table whose
//! column has a total would give a lone suppressed cell away by subtraction, so wherever a column
//! holds exactly one suppressed cell, the smallest other non-zero cell is withheld too
//! (secondary suppression, "withheld"); a total that is itself small is suppressed like any
//! count. A figure "x of y" suppresses x when x, or y - x, is small (either would reveal a small
//! group), and the whole figure when y is.

use serde::{Serialize, Serializer};

/// A count as a board may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Count(u64),
    /// 1 to `below - 1`.
    FewerThan(u32),
    /// Hidden so that a total cannot reveal a suppressed cell.
    Withheld,
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::FewerThan(n) => format!("fewer than {n}"),
            Cell::Withheld => "withheld".into(),
        }
    }

    /// The count, where it is shown.
    pub fn shown(&self) -> Option<u64> {
        match self {
            Cell::Count(n) => Some(*n),
            _ => None,
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Count(n) => s.serialize_u64(*n),
            other => s.serialize_str(&other.text()),
        }
    }
}

/// Suppression with a threshold (`None`: nothing suppressed, for inspectors and IROs).
#[derive(Debug, Clone, Copy)]
pub struct Suppressor {
    pub below: Option<u32>,
}

impl Suppressor {
    fn small(&self, n: u64) -> bool {
        self.below.is_some_and(|b| n > 0 && n < u64::from(b))
    }

    /// One count on its own.
    pub fn cell(&self, n: u64) -> Cell {
        match self.below {
            Some(b) if self.small(n) => Cell::FewerThan(b),
            _ => Cell::Count(n),
        }
    }

    /// A column of counts that has a total shown beside it: primary, then secondary suppression.
    pub fn column(&self, values: &[u64]) -> Vec<Cell> {
        let mut cells: Vec<Cell> = values.iter().map(|&n| self.cell(n)).collect();
        let suppressed = cells.iter().filter(|c| c.shown().is_none()).count();
        if suppressed == 1 {
            // The smallest other non-zero shown cell goes too.
            if let Some((i, _)) = values
                .iter()
                .enumerate()
                .filter(|(i, n)| **n > 0 && cells[*i].shown().is_some())
                .min_by_key(|(_, n)| **n)
            {
                cells[i] = Cell::Withheld;
            }
        }
        cells
    }

    /// "x of y": x hidden when x or y - x is small, both when y is.
    pub fn fraction(&self, x: u64, y: u64) -> (Cell, Cell) {
        if self.small(y) {
            return (self.cell(y), self.cell(y));
        }
        if self.small(x) || self.small(y - x.min(y)) {
            let b = self.below.unwrap_or_default();
            let x_cell = if self.small(x) {
                Cell::FewerThan(b)
            } else {
                Cell::Withheld
            };
            return (x_cell, Cell::Count(y));
        }
        (Cell::Count(x), Cell::Count(y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOARD: Suppressor = Suppressor { below: Some(5) };

    #[test]
    fn small_counts_and_the_cell_that_would_reveal_them() {
        assert_eq!(BOARD.cell(0), Cell::Count(0));
        assert_eq!(BOARD.cell(4), Cell::FewerThan(5));
        assert_eq!(BOARD.cell(5), Cell::Count(5));
        // 3, 7, 9 with a total of 19: hiding only the 3 would leave 19 - 7 - 9 = 3, so the
        // smallest other non-zero cell, the 7, is withheld too.
        assert_eq!(
            BOARD.column(&[3, 7, 9, 0]),
            [
                Cell::FewerThan(5),
                Cell::Withheld,
                Cell::Count(9),
                Cell::Count(0)
            ]
        );
        // Two suppressed cells already protect each other.
        assert_eq!(
            BOARD.column(&[3, 2, 9]),
            [Cell::FewerThan(5), Cell::FewerThan(5), Cell::Count(9)]
        );
        // Nothing is suppressed for inspectors.
        let none = Suppressor { below: None };
        assert_eq!(none.column(&[1, 2]), [Cell::Count(1), Cell::Count(2)]);
    }

    #[test]
    fn a_fraction_hides_a_small_group_on_either_side() {
        assert_eq!(BOARD.fraction(40, 50), (Cell::Count(40), Cell::Count(50)));
        // 48 of 50: the 2 without would be revealed.
        assert_eq!(BOARD.fraction(48, 50), (Cell::Withheld, Cell::Count(50)));
        assert_eq!(BOARD.fraction(3, 50), (Cell::FewerThan(5), Cell::Count(50)));
        assert_eq!(
            BOARD.fraction(2, 3),
            (Cell::FewerThan(5), Cell::FewerThan(5))
        );
        assert_eq!(
            serde_json::to_string(&Cell::FewerThan(5)).unwrap(),
            "\"fewer than 5\""
        );
    }
}
