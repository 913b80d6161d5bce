//! What a caller gets of a full row: the columns asked for, confidential
//! figures as the caller may see them, and cells a spreadsheet would run as
//! formulas neutralised.

use std::io::Write;

use csv::ByteRecord;

use super::columns::Column;
use crate::domain::access::Figures;
use crate::domain::size_class::SizeClass;

/// How full rows are written for one caller and request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The columns, in the order written.
    pub columns: Vec<Column>,
    /// How confidential figures are shown.
    pub figures: Figures,
    /// Exact cell values, for programs: no formula neutralising.
    pub raw: bool,
}

impl Sheet {
    /// Whether a full row is written as it is: every column, exact, raw.
    pub fn is_whole(&self) -> bool {
        self.raw && self.figures == Figures::Exact && self.columns == Column::ALL
    }

    /// Writes the header.
    pub fn header<W: Write>(&self, csv: &mut csv::Writer<W>) -> csv::Result<()> {
        csv.write_record(self.columns.iter().map(|column| column.as_str()))
    }

    /// Writes one row; `full` holds the cells of `layout`'s columns.
    pub fn row<W: Write>(
        &self,
        csv: &mut csv::Writer<W>,
        full: &ByteRecord,
        layout: &Layout,
        scratch: &mut Vec<u8>,
    ) -> csv::Result<()> {
        for column in &self.columns {
            let cell = layout.cell(full, *column);
            if self.figures == Figures::Banded && column.is_banded_figure() {
                csv.write_field(band(*column, cell))?;
                continue;
            }
            if !self.raw && column.is_free_text() && is_formula(cell) {
                scratch.clear();
                scratch.push(b'\'');
                scratch.extend_from_slice(cell);
                csv.write_field(&scratch[..])?;
                continue;
            }
            csv.write_field(cell)?;
        }
        csv.write_record(None::<&[u8]>)
    }
}

/// Where each column sits in a stored full row: a frame frozen before a
/// column was added has fewer, and shows the new one empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    positions: Vec<Option<usize>>,
}

impl Layout {
    /// The layout of rows written today: [`Column::ALL`].
    pub fn current() -> Layout {
        Layout {
            positions: (0..Column::ALL.len()).map(Some).collect(),
        }
    }

    /// The layout of rows under this header; unknown names are skipped.
    pub fn of_header(header: &ByteRecord) -> Layout {
        let positions = Column::ALL
            .iter()
            .map(|column| {
                header
                    .iter()
                    .position(|name| name == column.as_str().as_bytes())
            })
            .collect();
        Layout { positions }
    }

    fn cell<'a>(&self, full: &'a ByteRecord, column: Column) -> &'a [u8] {
        self.positions[column.index()]
            .and_then(|position| full.get(position))
            .unwrap_or_default()
    }
}

/// Whether a spreadsheet would take the cell for a formula (OWASP's list:
/// `=`, `+`, `-`, `@`, tab, carriage return first).
fn is_formula(cell: &[u8]) -> bool {
    matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A figure as its EU size class: persons employed in Eurostat's bands,
/// turnover in the SME definition's (2, 10 and 50 million), in manats.
fn band(column: Column, cell: &[u8]) -> &'static [u8] {
    let text = std::str::from_utf8(cell).unwrap_or_default();
    match column {
        Column::Employees => match text.parse::<i64>().ok().and_then(SizeClass::of_employees) {
            Some(SizeClass::Micro) => b"0-9",
            Some(SizeClass::Small) => b"10-49",
            Some(SizeClass::Medium) => b"50-249",
            Some(SizeClass::Large) => b"250+",
            None => b"",
        },
        Column::Turnover => {
            let Ok(manats) = text.parse::<f64>() else {
                return b"";
            };
            match manats {
                m if m < 2_000_000.0 => b"0-2m",
                m if m < 10_000_000.0 => b"2m-10m",
                m if m < 50_000_000.0 => b"10m-50m",
                _ => b"50m+",
            }
        }
        _ => b"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(cells: &[(Column, &str)]) -> ByteRecord {
        let mut row = ByteRecord::new();
        for column in Column::ALL {
            let cell = cells
                .iter()
                .find(|(c, _)| c == column)
                .map_or("", |(_, text)| text);
            row.push_field(cell.as_bytes());
        }
        row
    }

    fn written(sheet: &Sheet, row: &ByteRecord) -> String {
        let mut csv = crate::export::writer(Vec::new());
        sheet
            .row(&mut csv, row, &Layout::current(), &mut Vec::new())
            .unwrap();
        String::from_utf8(csv.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn formulas_are_neutralised_unless_raw() {
        let row = full(&[(Column::Name, "=SUM(A1)"), (Column::Address, "@home")]);
        let mut sheet = Sheet {
            columns: vec![Column::Name, Column::Address],
            figures: Figures::Exact,
            raw: false,
        };
        assert_eq!(written(&sheet, &row), "'=SUM(A1),'@home\r\n");
        sheet.raw = true;
        assert_eq!(written(&sheet, &row), "=SUM(A1),@home\r\n");
        for first in ["+1", "-1", "\tx", "\rx"] {
            assert!(is_formula(first.as_bytes()), "{first:?}");
        }
        assert!(!is_formula(b"Ak yol"));
    }

    #[test]
    fn analysts_without_the_grant_get_size_classes() {
        let row = full(&[(Column::Employees, "42"), (Column::Turnover, "12000000.00")]);
        let mut sheet = Sheet {
            columns: vec![Column::Employees, Column::Turnover],
            figures: Figures::Banded,
            raw: true,
        };
        assert_eq!(written(&sheet, &row), "10-49,10m-50m\r\n");
        sheet.figures = Figures::Exact;
        assert_eq!(written(&sheet, &row), "42,12000000.00\r\n");
        let bands: Vec<&[u8]> = ["0", "9", "10", "250", ""]
            .iter()
            .map(|n| band(Column::Employees, n.as_bytes()))
            .collect();
        assert_eq!(bands, [&b"0-9"[..], b"0-9", b"10-49", b"250+", b""]);
    }

    #[test]
    fn a_stored_row_is_read_by_its_header() {
        let mut header = ByteRecord::new();
        header.push_field(b"name");
        header.push_field(b"stat_id");
        let layout = Layout::of_header(&header);
        let mut row = ByteRecord::new();
        row.push_field(b"Ak yol");
        row.push_field(b"100000011");
        assert_eq!(layout.cell(&row, Column::StatId), b"100000011");
        assert_eq!(layout.cell(&row, Column::Name), b"Ak yol");
        assert_eq!(layout.cell(&row, Column::Prn), b"");
    }
}
